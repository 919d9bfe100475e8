"""The case clock: deadlines kept on the case, their timers and sweep, and how they are shown."""
