// Which weights of T5 train, and their values and gradients under HF names. Album stores linear weights transposed
// as (in, out) and fuses some (q|k|v, wi_0|wi_1, the cross-attention K/V of every decoder layer; a tied LM head is
// the embedding itself); `parameters` maps them back to HF's tensors, `trainableTensors` is the storage
// view an optimizer updates in place. A fused tensor trains as one unit.
import Kernels

extension T5Model {
    /// A weight of the model that can be marked trainable, with the HF names of the tensors it holds.
    private enum TrainableUnit {
        case linear(Linear)
        case norm(LayerNorm)
        case embedding(Embedding)
        case bias(RelativePositionBias)

        var names: [String] {
            switch self {
            case .linear(let layer): layer.names
            case .norm(let layer): [layer.name]
            case .embedding(let layer): [layer.name]
            case .bias(let table): [table.name]
            }
        }

        var gradient: Tensor? {
            switch self {
            case .linear(let layer): layer.gradient
            case .norm(let layer): layer.gradient
            case .embedding(let layer): layer.gradient
            case .bias(let table): table.gradient
            }
        }

        /// The tensor in Album's storage layout.
        var storage: Tensor {
            switch self {
            case .linear(let layer): layer.weight
            case .norm(let layer): layer.weight
            case .embedding(let layer): layer.table
            case .bias(let table): table.table
            }
        }

        func setTrainable(_ trainable: Bool) {
            switch self {
            case .linear(let layer): trainable ? layer.makeTrainable() : layer.freeze()
            case .norm(let layer): trainable ? layer.makeTrainable() : layer.freeze()
            case .embedding(let layer): trainable ? layer.makeTrainable() : layer.freeze()
            case .bias(let table): trainable ? table.makeTrainable() : table.freeze()
            }
        }

        /// (HF name, value, gradient) in HF's layout: linear weights (out, in), each fused block on its own.
        var hfTensors: [T5Parameter] {
            guard case .linear(let layer) = self else {
                return [T5Parameter(name: names[0], value: storage, gradient: gradient)]
            }
            let values = layer.hfTensors(of: layer.weight)
            let gradients = layer.gradient.map { layer.hfTensors(of: $0) }
            return values.enumerated().map { i, value in
                T5Parameter(name: value.name, value: value.tensor, gradient: gradients?[i].tensor)
            }
        }
    }

    /// The gradient of every trainable weight with the object that owns it, in HF module order (sharded steps give
    /// each shard buffers of these shapes, then add them into these tensors in this order).
    var trainableGradients: [(owner: ObjectIdentifier, gradient: Tensor)] {
        units.compactMap { unit in
            guard let gradient = unit.gradient else { return nil }
            switch unit {
            case .linear(let layer): return (ObjectIdentifier(layer), gradient)
            case .norm(let layer): return (ObjectIdentifier(layer), gradient)
            case .embedding(let layer): return (ObjectIdentifier(layer), gradient)
            case .bias(let table): return (ObjectIdentifier(table), gradient)
            }
        }
    }

    /// Every weight in HF module order (shared embedding, encoder, decoder, LM head); a tied head is the embedding.
    private var units: [TrainableUnit] {
        var units: [TrainableUnit] = [.embedding(weights.embedding), .bias(weights.encoderBias)]
        for layer in weights.encoderLayers {
            units += [.linear(layer.selfAttention.projection), .linear(layer.selfAttention.o),
                      .norm(layer.selfAttentionNorm), .linear(layer.feedForward.wi), .linear(layer.feedForward.wo),
                      .norm(layer.feedForwardNorm)]
        }
        units += [.norm(weights.encoderFinalNorm), .bias(weights.decoderBias), .linear(weights.crossKeyValues)]
        for layer in weights.decoderLayers {
            units += [.linear(layer.selfAttention.projection), .linear(layer.selfAttention.o),
                      .norm(layer.selfAttentionNorm), .linear(layer.crossAttention.projection),
                      .linear(layer.crossAttention.o), .norm(layer.crossAttentionNorm), .linear(layer.feedForward.wi),
                      .linear(layer.feedForward.wo), .norm(layer.feedForwardNorm)]
        }
        units.append(.norm(weights.decoderFinalNorm))
        if let head = weights.lmHead.projection { units.append(.linear(head)) }
        return units
    }

    /// Every HF tensor of the model (tied tensors once, as HF's `named_parameters()`): name, value and gradient
    /// (nil when frozen), in HF's layout. Tensors Album stores transposed or fused are copied out (snapshots for
    /// comparison and export); the embedding, norms and bias tables are the live tensors. A tied checkpoint has no
    /// `lm_head.weight`: the head's gradient is part of `shared.weight`'s.
    public var parameters: [T5Parameter] { units.flatMap(\.hfTensors) }

    /// The trainable weights in Album's storage layout, live: an optimizer updates `value` in place from `gradient`
    /// (then call `weightsDidChange()`). Fused tensors appear once, named by their HF names joined with "+".
    public var trainableTensors: [T5Parameter] {
        units.compactMap { unit in
            unit.gradient.map { T5Parameter(name: unit.names.joined(separator: "+"), value: unit.storage, gradient: $0) }
        }
    }

    /// Marks trainable every weight holding a tensor whose HF name satisfies `isTrainable` and freezes the others
    /// (dropping their gradients). A fused weight trains as a whole when any of its tensors is selected: q|k|v of a
    /// self-attention, wi_0|wi_1, and the cross-attention k and v of all decoder layers. New gradients start at 0.
    public func setTrainable(_ isTrainable: (String) -> Bool) {
        for unit in units { unit.setTrainable(unit.names.contains(where: isTrainable)) }
    }

    /// Sets every gradient to 0 (torch's zero_grad(set_to_none=False)).
    public func zeroGradients() {
        for unit in units {
            if let gradient = unit.gradient { gradient.data.update(repeating: 0, count: gradient.count) }
        }
    }

    /// After an optimizer changed weights in place: refreshes what serving derives from them (the decoder's
    /// precomputed relative-bias rows; a tied LM head reads the embedding itself). Not while serving.
    public func weightsDidChange() {
        let vectors = weights.decoderBias.vectors(length: decoderBiasCapacity)
        decoderBiasVectors.data.update(from: vectors.data, count: vectors.count)
    }
}
