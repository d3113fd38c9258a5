// Reader for SentencePiece's `spiece.model` (protobuf `ModelProto`, decoded by hand: no protobuf dependency).
// Fields mirror sentencepiece_model.proto: pieces (1) {piece 1, score 2, type 3}, trainer_spec (2)
// {model_type 3, byte_fallback 35, unk_id 40, eos_id 42, pad_id 43, unk_piece 45, eos_piece 47, pad_piece 48},
// normalizer_spec (3) {name 1, precompiled_charsmap 2}.

/// The parts of a SentencePiece model that tokenization needs.
struct SentencePieceModel {
    enum PieceType: Int { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }
    enum ModelType: Int { case unigram = 1, bpe = 2, word = 3, char = 4 }

    struct Piece { var piece: String; var score: Float; var type: PieceType }

    var pieces: [Piece] = []
    var modelType: ModelType = .unigram
    var byteFallback = false
    var unkID = 0
    var eosID = 2
    var padID = -1
    var unkPiece = "<unk>"
    var eosPiece = "</s>"
    var padPiece = "<pad>"
    var normalizerName = ""
    var precompiledCharsmap: [UInt8] = []

    init(bytes: [UInt8], path: String) throws(TokenizationError) {
        var r = ProtoReader(data: bytes[...], path: path)
        while let (field, wire) = try r.nextKey() {
            switch (field, wire) {
            case (1, 2): pieces.append(try Self.piece(try r.bytes(), path: path))
            case (2, 2): try trainerSpec(try r.bytes(), path: path)
            case (3, 2): try normalizerSpec(try r.bytes(), path: path)
            default: try r.skip(wire)
            }
        }
        guard !pieces.isEmpty else { throw .malformedSentencePiece(path: path, reason: "no pieces") }
    }

    private static func piece(_ b: ArraySlice<UInt8>, path: String) throws(TokenizationError) -> Piece {
        var r = ProtoReader(data: b, path: path)
        var p = Piece(piece: "", score: 0, type: .normal)
        while let (field, wire) = try r.nextKey() {
            switch (field, wire) {
            case (1, 2): p.piece = try r.string()
            case (2, 5): p.score = Float(bitPattern: try r.fixed32())
            case (3, 0): p.type = PieceType(rawValue: Int(try r.varint())) ?? .normal
            default: try r.skip(wire)
            }
        }
        return p
    }

    private mutating func trainerSpec(_ b: ArraySlice<UInt8>, path: String) throws(TokenizationError) {
        var r = ProtoReader(data: b, path: path)
        while let (field, wire) = try r.nextKey() {
            switch (field, wire) {
            case (3, 0):
                let v = Int(try r.varint())
                guard let t = ModelType(rawValue: v) else {
                    throw .malformedSentencePiece(path: path, reason: "unknown model_type \(v)")
                }
                modelType = t
            case (35, 0): byteFallback = try r.varint() != 0
            case (40, 0): unkID = Int(Int32(truncatingIfNeeded: try r.varint()))
            case (42, 0): eosID = Int(Int32(truncatingIfNeeded: try r.varint()))
            case (43, 0): padID = Int(Int32(truncatingIfNeeded: try r.varint()))
            case (45, 2): unkPiece = try r.string()
            case (47, 2): eosPiece = try r.string()
            case (48, 2): padPiece = try r.string()
            default: try r.skip(wire)
            }
        }
    }

    private mutating func normalizerSpec(_ b: ArraySlice<UInt8>, path: String) throws(TokenizationError) {
        var r = ProtoReader(data: b, path: path)
        while let (field, wire) = try r.nextKey() {
            switch (field, wire) {
            case (1, 2): normalizerName = try r.string()
            case (2, 2): precompiledCharsmap = Array(try r.bytes())
            default: try r.skip(wire)
            }
        }
    }
}

/// Minimal protobuf wire-format reader.
struct ProtoReader {
    var data: ArraySlice<UInt8>
    let path: String

    private func bad(_ reason: String) -> TokenizationError { .malformedSentencePiece(path: path, reason: reason) }

    mutating func varint() throws(TokenizationError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let b = data.popFirst() else { throw bad("truncated varint") }
            guard shift < 64 else { throw bad("varint too long") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    mutating func nextKey() throws(TokenizationError) -> (Int, Int)? {
        if data.isEmpty { return nil }
        let k = try varint()
        return (Int(k >> 3), Int(k & 7))
    }

    mutating func fixed32() throws(TokenizationError) -> UInt32 {
        guard data.count >= 4 else { throw bad("truncated fixed32") }
        let b = data.prefix(4)
        data = data.dropFirst(4)
        return b.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func bytes() throws(TokenizationError) -> ArraySlice<UInt8> {
        let n = Int(try varint())
        guard n >= 0, data.count >= n else { throw bad("length \(n) past the end") }
        let out = data.prefix(n)
        data = data.dropFirst(n)
        return out
    }

    mutating func string() throws(TokenizationError) -> String {
        let b = try bytes()
        guard let s = String(validating: b, as: UTF8.self) else { throw bad("string field is not UTF-8") }
        return s
    }

    mutating func skip(_ wire: Int) throws(TokenizationError) {
        switch wire {
        case 0: _ = try varint()
        case 1: guard data.count >= 8 else { throw bad("truncated fixed64") }; data = data.dropFirst(8)
        case 2: _ = try bytes()
        case 5: _ = try fixed32()
        default: throw bad("unsupported wire type \(wire)")
        }
    }
}
