// What one recording teacher-forced pass of the decoder stack (HF T5Stack, is_decoder = True) and the LM head keep
// for their backward: the input ids and their dropout, every block's tape, the final norm and its dropout, and the
// LM head's input. Legend: R = ΣT_j packed target rows, D = dModel.
import Kernels

final class DecoderTape {
    let pass: TrainingPass
    let rows: PackedRows
    /// Decoder input ids, packed ([start] + target[:-1] per segment).
    let inputIDs: [Int32]
    var inputSite: DropoutKey?
    /// Block tapes in forward order; the backward pops them as it consumes them.
    var layers: [DecoderLayer.Tape] = []
    var finalNorm: LayerNorm.Tape?
    var finalSite: DropoutKey?
    /// (R, D) the final states after their dropout (before the d_model^-0.5 scale): the LM head's input, kept when
    /// the head's weight is trainable.
    var headInput: Tensor?

    init(pass: TrainingPass, rows: PackedRows, inputIDs: [Int32]) {
        self.pass = pass
        self.rows = rows
        self.inputIDs = inputIDs
    }
}
