#!/usr/bin/env python3
"""Prints test cases for tests/phone_vs_libphonenumber.rs, computed now by libphonenumber.

Each line is KIND<TAB>REGION<TAB>INPUT<TAB>EXPECTED<TAB>EXPECTED_DISPLAY: reading INPUT with
REGION as the default region must give EXPECTED. EXPECTED is an E.164 number, or `-` for text
libphonenumber refuses (not a number, or not a valid one: the engine must refuse it too), or
for KIND `multi` the comma-separated numbers PhoneNumberMatcher finds in the text (the
engine's find_all must find exactly these). EXPECTED_DISPLAY is libphonenumber's national
format for Japanese numbers and its international format for the others (`-` when unchecked).

Kinds: `spelling` (a valid number written one of many ways), `near` (a digit short or long),
`slash` (national numbers with a slash after the area code, as German numbers are written:
030/123456, 0800 / 1234567890), `range` (random national significant numbers of every length
around the region's, plus the defects that found this: a 13-digit Singapore number, 090
numbers as German, 555 area codes, a French number read in China; valid or not as
libphonenumber says), `multi` (two numbers in one field, joined the ways people join them).

Numbers are libphonenumber's example numbers for each region and type, plus a few siblings
(last digits changed) that libphonenumber still calls valid, each written several ways:
E.164, international, national, digits only, E.164 without '+', RFC 3966, as dialled from
each supported region (with its international prefix: 010, 011, 00, 0011, 001, ...), with a
carrier code (BR, KR), with stray text around it and, for Japan, in full-width characters. Only spellings libphonenumber itself parses to a valid number are
printed: the engine must agree on valid numbers.

Needs `pip install phonenumbers`.
"""
import random
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T

REGIONS = ["JP", "US", "GB", "DE", "FR", "AU", "SG", "KR", "CN", "IN", "BR"]
TYPES = [
    T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST, T.VOIP,
    T.PERSONAL_NUMBER, T.PAGER, T.UAN,
]
# Japanese fixed lines across area-code lengths: the display rules depend on them.
JP_EXTRA = ["0612345678", "0451234567", "0466123456", "0126723456", "0112345678",
            "0992123456", "0857123456", "0476123456", "0422123456", "0120987654",
            "0800-1234567", "0570-123-456", "0501234567", "0701234567", "0801234567"]
SIBLINGS = 5
CARRIERS = {"BR": ("15", "21", "41"), "KR": ("81", "8511")}


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def numbers(region):
    seen = set()
    found = []
    for t in TYPES:
        example = phonenumbers.example_number_for_type(region, t)
        if example is None:
            continue
        nsn = str(example.national_number)
        for k in range(SIBLINGS):
            tail = str((int(nsn[-3:]) + 137 * k) % 1000).zfill(3)
            candidate = phonenumbers.parse("+%d%s%s" % (example.country_code, nsn[:-3], tail))
            if phonenumbers.is_valid_number(candidate) and candidate.national_number not in seen:
                seen.add(candidate.national_number)
                found.append(candidate)
    if region == "JP":
        for text in JP_EXTRA:
            number = phonenumbers.parse(text, "JP")
            if phonenumbers.is_valid_number(number) and number.national_number not in seen:
                seen.add(number.national_number)
                found.append(number)
    return found


def spellings(region, number):
    e164 = phonenumbers.format_number(number, F.E164)
    national = phonenumbers.format_number(number, F.NATIONAL)
    yield region, e164
    yield region, phonenumbers.format_number(number, F.INTERNATIONAL)
    yield region, national
    yield region, "".join(c for c in national if c.isdigit())
    yield region, e164[1:]
    yield region, phonenumbers.format_number(number, F.RFC3966)
    yield region, "TEL: %s (代表)" % national
    for home in REGIONS:
        dialled = phonenumbers.format_out_of_country_calling_number(number, home)
        yield home, dialled
        yield home, "".join(c for c in dialled if c.isdigit())
    # Carrier-selection codes dialled after the trunk prefix, which are not part of the number.
    for carrier in CARRIERS.get(region, ()):
        yield region, phonenumbers.format_national_number_with_carrier_code(number, carrier)
    if region == "JP":
        yield region, full_width(national)
        yield region, full_width(e164)


def near_misses(region, number):
    """National spellings one digit short or long: mostly numbers libphonenumber rejects."""
    digits = "".join(c for c in phonenumbers.format_number(number, F.NATIONAL) if c.isdigit())
    yield region, digits[:-1]
    yield region, digits + "5"
    yield region, "+%d%s" % (number.country_code, str(number.national_number)[:-2])


SEPARATORS = [" / ", "/", ", ", "; ", " ", "  ", "\n", " or ", " 、", ",", " - "]
# The defects found against libphonenumber: numbers invalid in their region, slash notation.
DEFECTS = [("SG", "6123 4567 89012"), ("JP", "+65 6123 4567 89012"), ("DE", "090-1234-5678"),
           ("US", "(555) 253-0000"), ("JP", "+1 555 253 0000"), ("CN", "01 23 45 67 89"),
           ("DE", "030/123456"), ("DE", "01512/3456789"), ("DE", "0800 / 1234567890")]


def expected_single(text, home):
    """libphonenumber's E.164 for text, or None when it refuses it or it is not valid."""
    try:
        parsed = phonenumbers.parse(text, home)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def display_of(parsed):
    return phonenumbers.format_number(parsed, F.NATIONAL if parsed.country_code == 81
                                      else F.INTERNATIONAL)


def slashed(region, number):
    """National spellings with a slash after the area code (the first group)."""
    national = phonenumbers.format_number(number, F.NATIONAL)
    for sep in (" ", "-", ") "):
        if sep in national:
            head, tail = national.split(sep, 1)
            head = head.lstrip("(")
            yield region, head + "/" + tail
            yield region, head + " / " + tail
            yield region, head + "/" + "".join(c for c in tail if c.isdigit())
            return


def random_nsns(region, found):
    """Random national numbers around the region's lengths, led by real leading digits."""
    rng = random.Random("sfphone-" + region)
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    lengths = list(meta.general_desc.possible_length)
    lengths += [min(lengths) - 1, max(lengths) + 1]
    trunk = meta.national_prefix if region != "US" else ""
    for _ in range(300):
        length = rng.choice(lengths)
        lead = str(rng.choice(found).national_number)[:rng.randint(0, 4)] if found else ""
        nsn = (lead + "".join(rng.choice("0123456789") for _ in range(length)))[:length]
        yield region, (trunk or "") + nsn
        yield "JP" if region != "JP" else "US", "+%d %s" % (meta.country_code, nsn)


def multi(region, found):
    """Two numbers of the region in one field, and what PhoneNumberMatcher finds there."""
    for i, (a, b) in enumerate(zip(found, found[1:])):
        left = phonenumbers.format_number(a, F.NATIONAL)
        right = phonenumbers.format_number(b, F.NATIONAL if i % 2 else F.INTERNATIONAL)
        for sep in SEPARATORS:
            text = left + sep + right
            matches = [m.number for m in phonenumbers.PhoneNumberMatcher(text, region)]
            if [phonenumbers.format_number(n, F.E164) for n in matches] == \
                    [phonenumbers.format_number(n, F.E164) for n in (a, b)]:
                yield region, text, matches


def main():
    count = 0
    printed = set()

    def emit(kind, home, text, parsed):
        nonlocal count
        if (home, text) in printed:
            return
        printed.add((home, text))
        if parsed is None:
            print("%s\t%s\t%s\t-\t-" % (kind, home, text.replace("\n", "\\n")))
        else:
            print("%s\t%s\t%s\t%s\t%s" % (kind, home, text.replace("\n", "\\n"),
                                          phonenumbers.format_number(parsed, F.E164),
                                          display_of(parsed)))
        count += 1

    for home, text in DEFECTS:
        emit("range", home, text, expected_single(text, home))
    for region in REGIONS:
        found = numbers(region)
        for number in found:
            for home, text in spellings(region, number):
                parsed = expected_single(text, home)
                if parsed is not None:
                    emit("spelling", home, text, parsed)
            for home, text in near_misses(region, number):
                if expected_single(text, home) is None:
                    emit("near", home, text, None)
            for home, text in slashed(region, number):
                emit("slash", home, text, expected_single(text, home))
        for home, text in random_nsns(region, found):
            emit("range", home, text, expected_single(text, home))
        for home, text, matches in multi(region, found):
            if (home, text) not in printed:
                printed.add((home, text))
                print("multi\t%s\t%s\t%s\t-" % (home, text.replace("\n", "\\n"), ",".join(
                    phonenumbers.format_number(n, F.E164) for n in matches)))
                count += 1
    print("%d cases from phonenumbers %s" % (count, phonenumbers.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()
