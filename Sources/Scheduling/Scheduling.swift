// Module Scheduling.
