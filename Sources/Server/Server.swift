// Module Server.
