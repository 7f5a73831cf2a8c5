"""Text that looks like a patient identifier, found before it is broadcast.

It is part of the core, not of any feature, because every feature that takes free text
(notes, questions, and soon worksheets and follow-up notes) must pass it through this one screen.

What is detected (see README, "Patient privacy"):

- e-mail addresses;
- medical record numbers: a number of five or more digits after a label such
  as "MRN", "medical record", "hospital number", "patient ID", "case number";
- dates of birth: a date after "DOB", "date of birth" or "born", and any full
  date (day, month and four-digit year, or ISO) whose year is 1900-2012, an
  age at which it is rarely anything else in a case discussion;
- phone numbers: 9 to 15 digits written as one number, with optional +,
  spaces, dots, dashes or brackets, starting with +, 0 or a bracket, or in
  three or more groups;
- national identifiers: UK NHS numbers (ten digits passing the modulus-11
  check), UK National Insurance numbers, US Social Security numbers.

Limits, said plainly: names, addresses, ward and bed numbers, rare diagnoses
and free-text descriptions that identify a person are not detected; numbers
written in words are not; other countries' identifiers are caught only when
they look like a phone number or follow a record-number label. It is a net
for slips, not a guarantee: the confidentiality statement still applies.
"""

import re
from dataclasses import dataclass

from facilitator.rooms.model import Command, NeedsConfirmation

KINDS = {
    "email": "an e-mail address",
    "record": "a medical record number",
    "birth": "a date of birth",
    "phone": "a phone number",
    "nhs": "an NHS number",
    "ni": "a National Insurance number",
    "ssn": "a Social Security number",
}
LATEST_BIRTH_YEAR = 2012

_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?:19|20)\d{2})"
)
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)),
    (
        "record",
        re.compile(
            r"\b(?:MRN|medical\s+record(?:\s+(?:number|no\.?))?|hospital\s+(?:number|no\.?)|"
            r"patient\s+(?:id|number|no\.?)|case\s+(?:number|no\.?))\s*[:#]?\s*[A-Z]{0,3}\d[\d -]{3,}\d",
            re.I,
        ),
    ),
    ("birth", re.compile(r"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:]?\s*" + _DATE, re.I)),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("ni", re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)),
    ("nhs", re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")),
    ("phone", re.compile(r"(?<![\w.,])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d[\d\s.-]{6,}\d(?![\w.,]\d)")),
    ("birth", re.compile(r"\b" + _DATE + r"\b", re.I)),
]


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def described(self) -> str:
        return KINDS[self.kind]


def _nhs_valid(digits: str) -> bool:
    """The NHS number's modulus-11 check digit."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _plausible(kind: str, text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if kind == "nhs":
        return len(digits) == 10 and _nhs_valid(digits)
    if kind == "phone":
        groups = len(re.findall(r"\d+", text))
        # A leading +, 0 or bracket says "phone", even with no spaces (07700900123); otherwise
        # three groups do (555 123 4567), so that plain figures and year ranges are left alone.
        return 9 <= len(digits) <= 15 and (text.startswith(("+", "0", "(")) or groups >= 3)
    if kind == "birth" and not re.match(r"(?i)\s*(?:DOB|D\.O\.B|date|born)", text):
        year = re.search(r"(?:19|20)\d{2}", text)  # every date pattern holds one
        return year is not None and int(year.group()) <= LATEST_BIRTH_YEAR
    return True


def find(text: str) -> list[Finding]:
    """Every span that looks like an identifier, in order, none overlapping (the first pattern wins)."""
    found: list[Finding] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if not _plausible(kind, match.group()):
                continue
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            found.append(Finding(kind, match.group(), match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def redact(text: str, findings: list[Finding] | None = None) -> str:
    """The text with every finding replaced by what it was, e.g. "[phone number removed]"."""
    for finding in sorted(findings if findings is not None else find(text), key=lambda f: f.start, reverse=True):
        label = KINDS[finding.kind].split(" ", 1)[1]
        text = text[: finding.start] + f"[{label} removed]" + text[finding.end :]
    return text


def describe(findings: list[Finding]) -> str:
    """One sentence naming what was found, for the person who typed it."""
    shown = "; ".join(f"{f.described} ({f.text})" for f in findings[:3])
    more = f" and {len(findings) - 3} more" if len(findings) > 3 else ""
    return f"This looks like patient-identifiable information: {shown}{more}."


class Sensitive(Command):
    """A command whose text is checked for patient identifiers before it is broadcast: its
    writer must redact what was found, or confirm that it identifies no patient."""

    confirm_identifiers: bool = False
    redact: bool = False


def screened(cmd: Sensitive, text: str) -> tuple[str, list[str]]:
    """The text to broadcast and the kinds of identifier its writer confirmed it holds,
    or NeedsConfirmation when something was found and the writer has not said what to do."""
    findings = find(text)
    if not findings:
        return text, []
    if cmd.redact:
        return redact(text, findings), []
    if cmd.confirm_identifiers:
        return text, sorted({finding.kind for finding in findings})
    raise NeedsConfirmation(
        describe(findings) + " Remove it, or confirm that it identifies no patient.",
        [{"kind": f.kind, "described": f.described, "text": f.text} for f in findings],
    )
