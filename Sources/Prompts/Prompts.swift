// Module Prompts.
