// Module Engine.
