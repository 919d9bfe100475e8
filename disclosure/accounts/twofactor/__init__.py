"""Two-factor sign-in: TOTP with an encrypted seed, replay refusal and recovery codes."""
