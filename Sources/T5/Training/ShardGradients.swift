// Gradient buffers of one shard of a sharded training step over trainable weights (T5Model+Shards.swift). While a
// shard runs on its thread, every layer's backward accumulates into that shard's buffers (`accumulating(_:)`)
// instead of the weights' own gradients, which other shards' threads would race on; afterwards the shards' buffers
// are added into the weights' gradients in shard order, so a run is deterministic for a given thread count.
import Foundation
import Kernels

final class ShardGradients: @unchecked Sendable {
    /// One zeroed buffer per trainable weight, keyed by the object that owns the weight's gradient.
    private let buffers: [ObjectIdentifier: Tensor]

    init(shapesOf gradients: [(owner: ObjectIdentifier, gradient: Tensor)]) {
        buffers = Dictionary(uniqueKeysWithValues: gradients.map { ($0.owner, Tensor(zeros: $0.gradient.shape)) })
    }

    /// The buffer of `owner`'s weight gradient in this shard (nil for a frozen weight).
    func buffer(of owner: ObjectIdentifier) -> Tensor? { buffers[owner] }

    /// Runs `body` with this shard's buffers receiving the gradients accumulated on the current thread.
    func collecting<R>(_ body: () -> R) -> R {
        let slot = ShardGradients.slot
        let previous = pthread_getspecific(slot)
        pthread_setspecific(slot, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(slot, previous) }
        return body()
    }

    /// The gradient buffer a backward on this thread accumulates `owner`'s gradient into: the running shard's, or,
    /// outside a sharded step, the weight's own `gradient`.
    static func accumulating(_ owner: AnyObject, own gradient: Tensor?) -> Tensor? {
        guard gradient != nil, let current = pthread_getspecific(slot) else { return gradient }
        return Unmanaged<ShardGradients>.fromOpaque(current).takeUnretainedValue().buffer(of: ObjectIdentifier(owner))
    }

    /// The thread-specific slot holding the running shard's buffers (created once).
    private static let slot: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
