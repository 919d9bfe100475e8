"""What an affected user is told: what was done to their account, why, and what to do now."""

from __future__ import annotations

from disclosure.notify.messages import Mail

_WHAT = {
    "revoke-sessions": (
        "your sessions were ended",
        "Every browser session of your account was signed out.",
        "Sign in again at {base}/login.",
    ),
    "revoke-tokens": (
        "your API tokens were revoked",
        "Every API token of your account was revoked; programs using them now get 401.",
        "Create new tokens at {base}/account once you have signed in.",
    ),
    "force-password-reset": (
        "choose a new password",
        "Your password no longer works and your sessions were ended.",
        "Choose a new password at {base}/password/reset/{token} (the link works once, for "
        "3 days). If it has expired, ask an administrator for a new one.",
    ),
    "rotate-secret-key": (
        "your sessions were ended",
        "The platform's signing key was replaced, and every browser session was signed out.",
        "Sign in again at {base}/login. Forms left open in a browser need to be reloaded.",
    ),
    "revoke-integrations": (
        "your calendar feed address was revoked",
        "The secret address of your deadline calendar feed was revoked; calendar apps "
        "subscribed to it stop updating.",
        "Make a new address at {base}/account/calendar and subscribe to it again.",
    ),
}


def incident_mail(action: str, *, reason: str, base_url: str, token: str = "") -> Mail:
    """The mail to one user affected by `action`."""
    subject, done, todo = _WHAT[action]
    body = (
        f"{done}\n\n"
        f"An administrator did this as part of an incident response. Reason given: {reason}\n\n"
        f"What to do: {todo.format(base=base_url, token=token)}\n\n"
        "If you did not expect this, reply to your platform's security contact.\n"
    )
    return Mail(subject=f"Security notice: {subject}", body=body)
