// Grow-only scratch buffers reused across forward passes, so decode steps allocate nothing. A small pool hands
// one workspace to each concurrent caller (the engine may run encoder and decoder batches on two threads).
import Kernels

final class Workspace: @unchecked Sendable {
    enum Slot: Int, CaseIterable {
        case x, h, qkv, ctx, hidden, act, scores, logits, query, embeddings
        /// Training only: a sub-layer output before its dropout, and the backward's gradient buffers.
        case sublayer, dOut, dH, dContext, dProjected, dScores, dHidden, dAct
    }

    private var buffers: [Tensor?] = Array(repeating: nil, count: Slot.allCases.count)

    /// A buffer of at least `count` floats for `slot` (contents undefined).
    func buffer(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Float> {
        if let existing = buffers[slot.rawValue], existing.count >= count { return existing.data }
        let grown = Tensor(uninitialized: [max(count, 1)])
        buffers[slot.rawValue] = grown
        return grown.data
    }

    /// `buffer(slot, count:)` with its first `count` floats set to 0 (for gradients that are accumulated into).
    func zeroed(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Float> {
        let data = buffer(slot, count: count)
        data.update(repeating: 0, count: count)
        return data
    }
}

final class WorkspacePool: Sendable {
    private let free = LockedValue<[Workspace]>([])

    func with<R>(_ body: (Workspace) -> R) -> R {
        let workspace = free.withLock { $0.popLast() } ?? Workspace()
        defer { free.withLock { $0.append(workspace) } }
        return body(workspace)
    }
}
