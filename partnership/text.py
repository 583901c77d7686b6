"""Text made safe for an email header."""

import re

# Line breaks and every other control character (Unicode category Cc), the C1 set included.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def one_line(text):
    """Text for an email header: any run of line breaks, other control characters or spaces
    becomes one space, so a title typed with a line break can neither inject a header nor
    make the mail library refuse the message."""
    return " ".join(_CONTROLS.sub(" ", text).split())
