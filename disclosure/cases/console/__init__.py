"""The vendor console: the inbox, decrypted titles, triage edits and bulk actions."""
