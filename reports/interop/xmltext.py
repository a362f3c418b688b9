"""Text as XML 1.0 can carry it: every XML this product writes (Open311, the Atom feeds) passes residents' text,
addresses from a geocoder and complaints from LAPOR! through here, so one stray character cannot make it fail."""

import re

# Characters XML 1.0 cannot carry at all (control characters but tab and line breaks, lone surrogates, U+FFFE/U+FFFF).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value):
    """`value` as a string without the characters XML 1.0 forbids."""
    return NOT_IN_XML.sub("", str(value))
