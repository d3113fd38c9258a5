// Module T5.
