// Module Tokenization.
