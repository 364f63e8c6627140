"""Every participant-facing sentence of the reflection form, in English (the msgids).

Marked with ``N_`` so ``cct messages`` can write the template (``reflection.pot``) that
translators start from; the form looks each one up through :mod:`toolkit.core.i18n`.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    return message


TITLE = N_("Reflection after the session")
LANGUAGE = N_("Language")
INTRO = N_("This form takes about five minutes. It does not ask for your name.")
CONFIDENCE = N_("How confident were you before the session, and how confident are you now?")
SCALE_HINT = N_("1 = not at all confident, 5 = very confident")
BEFORE = N_("Before the session")
NOW = N_("Now")
GIBBS_HEADING = N_("Looking back")
DESCRIPTION = N_("What happened? Describe one moment from the session.")
FEELINGS = N_("What were you thinking and feeling at that moment?")
EVALUATION = N_("What went well, and what did not?")
ANALYSIS = N_("What does it mean for your work with clients?")
ACTION = N_("What will you do differently from now on?")
COMMITMENT = N_("One commitment: what will you do?")
COMMITMENT_DATE = N_("By when?")
RELEVANCE = N_("How relevant was the session to your work?")
USEFULNESS = N_("How useful was the session?")
RATING_HINT = N_("1 = not at all, 5 = very much")
CODE = N_("Your personal code")
CODE_HELP = N_(
    "To link your reflections across sessions without your name, make a code from the first "
    "two letters of your mother's first name, the day of the month you were born (two digits) "
    "and the last letter of your own first name. Example: MA07N. Leave it empty if you prefer."
)
REQUIRED = N_("Please answer this question.")
RATE_BOTH = N_("Please rate both before and now.")
CODE_SHAPE = N_("Use only letters and digits, at most 12.")
DATE_PAST = N_("Please choose a date from today on.")
MISSING = N_("Some answers are missing. Please see the messages next to the questions.")
DRAFT_KEPT = N_("Your answers are kept on this device until you send them.")
SEND = N_("Send my reflection")
SENDING = N_("Sending…")
SAVED = N_("Thank you. Your reflection is saved.")
ALREADY = N_("You have already sent your reflection for this session. Thank you.")
ANOTHER = N_("Send another reflection from this device")
FAILED = N_(
    "Your reflection could not be saved. Please try again in a moment; your answers are kept."
)
NO_SESSION = N_(
    "This link does not say which session it is for. Please use the link or QR code from "
    "your handout."
)
LINK_INVALID = N_(
    "This link is not valid: it may have been changed or copied only in part. Please use the "
    "link or QR code from your handout."
)
SESSION_UNKNOWN = N_(
    "This session is not open for reflections. Please ask your facilitator for the link of "
    "your session."
)
RECONNECTING = N_("The connection was lost. Reconnecting… Your answers are kept on this device.")
REQUIRED_MARK = N_("(required)")
OPTIONAL_MARK = N_("(optional)")


def all_messages() -> list[str]:
    return [v for k, v in globals().items() if k.isupper() and isinstance(v, str)]
