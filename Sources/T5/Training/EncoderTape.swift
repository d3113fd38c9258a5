// What one recording pass of the encoder stack (HF T5Stack, is_decoder = False) keeps for its backward: the input
// dropout, every block's tape, the final norm and its dropout, and the input of the fused cross-K/V projection.
// Legend: R = ΣL_i packed encoder rows, D = dModel.
import Kernels

final class EncoderTape {
    let pass: TrainingPass
    let rows: PackedRows
    /// Dropout of the input embeddings [P ; E[X]] (`hidden_states = self.dropout(inputs_embeds)`).
    var inputSite: DropoutKey?
    /// Block tapes in forward order; the backward pops them as it consumes them.
    var layers: [EncoderLayer.Tape] = []
    var finalNorm: LayerNorm.Tape?
    /// Dropout after the final norm.
    var finalSite: DropoutKey?
    /// (R, D) the encoder output after its dropout: the cross-K/V projection's input, kept when it is trainable.
    var output: Tensor?

    init(pass: TrainingPass, rows: PackedRows) {
        self.pass = pass
        self.rows = rows
    }
}
