"""The public transparency statement: where data lives, what is encrypted, who can read it."""
