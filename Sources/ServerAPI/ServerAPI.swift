// Module ServerAPI.
