#!/usr/bin/env python3
"""Regenerates src/number/ranges.rs, the per-region length and range tables, from libphonenumber.

For each region the engine claims, libphonenumber says which national significant numbers (NSNs)
exist as regular expressions over digits (`2(?:0[1-689]|[1-3569]\\d)\\d{3,12}|...`) and lists of
possible lengths. The engine has no regex engine (it would cost more wasm than the whole number
engine), so this turns them into digit-prefix rules: for each NSN length, the shortest prefixes
after which every completion of that length is valid. A rule is a prefix pattern (digits and
`[..]` classes) and the set of lengths it holds for; rules that differ in one position only are
merged into a class.

Two tables per region:
- `general`: the region's general pattern alone (libphonenumber's "viable" test that decides
  whether a trunk prefix or a country code typed without `+` is taken off);
- `valid`: libphonenumber's `is_valid_number`: the general pattern and its possible lengths,
  and one number type's pattern and lengths (fixed line, mobile, toll free, premium rate, shared
  cost, VoIP, personal, pager, UAN, voicemail), for every region sharing the country code (+1 is
  valid in any NANPA region, +44 in GG/IM/JE too).

Regex subset handled (all the metadata uses for these regions): digits, `\\d`, `[..]`, `(?:..)`,
`|`, `?`, `{n}`, `{n,m}`; anything else stops the script.

Run: python3 tests/tools/gen_region_tables.py        (writes src/number/ranges.rs)
     python3 tests/tools/gen_region_tables.py --stdout (prints it; the native test compares)
Needs `pip install phonenumbers` (the version pinned in tests/requirements.txt).
"""
import os
import sys

import phonenumbers
from phonenumbers import PhoneMetadata

REGIONS = ["JP", "US", "GB", "DE", "FR", "AU", "SG", "KR", "CN", "IN", "BR"]
TYPES = ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
         "voicemail", "fixed_line", "mobile"]
MAX_LEN = 17
DIGITS = frozenset("0123456789")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "number", "ranges.rs")


# --- a tiny regex compiler: pattern -> NFA over digits --------------------------------------

class Nfa:
    def __init__(self):
        self.edges = []  # state -> list of (frozenset of digits or None for epsilon, target)

    def state(self):
        self.edges.append([])
        return len(self.edges) - 1


def parse(pattern):
    """Parses into a tree: ('alt', [seq...]) / ('seq', [item...]) / ('set', digits) /
    ('rep', item, min, max)."""
    pos = 0

    def alt():
        nonlocal pos
        branches = [seq()]
        while pos < len(pattern) and pattern[pos] == "|":
            pos += 1
            branches.append(seq())
        return ("alt", branches)

    def seq():
        nonlocal pos
        items = []
        while pos < len(pattern) and pattern[pos] not in "|)":
            items.append(quantified(atom()))
        return ("seq", items)

    def atom():
        nonlocal pos
        c = pattern[pos]
        if c.isdigit():
            pos += 1
            return ("set", frozenset(c))
        if pattern.startswith("\\d", pos):
            pos += 2
            return ("set", DIGITS)
        if c == "[":
            end = pattern.index("]", pos)
            body, digits, i = pattern[pos + 1:end], set(), 0
            while i < len(body):
                if i + 2 < len(body) and body[i + 1] == "-":
                    digits |= {str(d) for d in range(int(body[i]), int(body[i + 2]) + 1)}
                    i += 3
                else:
                    assert body[i].isdigit(), pattern
                    digits.add(body[i])
                    i += 1
            pos = end + 1
            return ("set", frozenset(digits))
        if pattern.startswith("(?:", pos):
            pos += 3
        elif c == "(":
            pos += 1
        else:
            raise ValueError("unsupported regex at %d: %s" % (pos, pattern))
        inner = alt()
        assert pattern[pos] == ")", pattern
        pos += 1
        return inner

    def quantified(item):
        nonlocal pos
        if pos < len(pattern) and pattern[pos] == "?":
            pos += 1
            return ("rep", item, 0, 1)
        if pos < len(pattern) and pattern[pos] == "{":
            end = pattern.index("}", pos)
            bounds = pattern[pos + 1:end].split(",")
            pos = end + 1
            return ("rep", item, int(bounds[0]), int(bounds[-1]))
        if pos < len(pattern) and pattern[pos] in "*+":
            raise ValueError("unbounded repetition: %s" % pattern)
        return item

    tree = alt()
    assert pos == len(pattern), pattern
    return tree


def build(nfa, tree, start):
    """Adds `tree` to `nfa` from `start`; returns the end state."""
    kind = tree[0]
    if kind == "set":
        end = nfa.state()
        nfa.edges[start].append((tree[1], end))
        return end
    if kind == "seq":
        for item in tree[1]:
            start = build(nfa, item, start)
        return start
    if kind == "alt":
        end = nfa.state()
        for branch in tree[1]:
            nfa.edges[build(nfa, branch, start)].append((None, end))
        return end
    _, item, low, high = tree
    ends = []
    for i in range(high):
        if i >= low:
            ends.append(start)
        start = build(nfa, item, start)
    ends.append(start)
    end = nfa.state()
    for e in ends:
        nfa.edges[e].append((None, end))
    return end


class Matcher:
    """A compiled pattern: state sets stepped digit by digit (full match, as libphonenumber)."""

    def __init__(self, pattern):
        self.nfa = Nfa()
        self.start = self.nfa.state()
        self.accept = build(self.nfa, parse(pattern), self.start)
        self.initial = self.closure({self.start})
        self.steps = {}

    def closure(self, states):
        stack, seen = list(states), set(states)
        while stack:
            for label, target in self.nfa.edges[stack.pop()]:
                if label is None and target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    def step(self, states, digit):
        key = (states, digit)
        if key not in self.steps:
            self.steps[key] = self.closure({t for s in states for label, t in self.nfa.edges[s]
                                            if label is not None and digit in label})
        return self.steps[key]

    def accepts(self, states):
        return self.accept in states


# --- digit-prefix rules ----------------------------------------------------------------------

def descs(region):
    """(general matcher, general lengths, [(type matcher, type lengths)]) of a region."""
    meta = PhoneMetadata.metadata_for_region(region)
    general = meta.general_desc
    types = []
    for name in TYPES:
        desc = getattr(meta, name)
        if desc is None or not desc.national_number_pattern:
            continue
        lengths = set(desc.possible_length) or set(general.possible_length)
        types.append((Matcher(desc.national_number_pattern), lengths))
    return Matcher(general.national_number_pattern), set(general.possible_length), types


def prefixes(conjuncts, length, memo):
    """The shortest digit prefixes after which every completion to `length` digits satisfies all
    of `conjuncts` (each a list of matchers, any of which may match). `memo` may be shared by
    calls with the same conjuncts."""

    def status(sets, remaining):
        # 1: every completion accepted, 0: none, None: it depends on the digits.
        key = (sets, remaining)
        if key not in memo:
            if remaining == 0:
                memo[key] = int(all(any(m.accepts(s) for m, s in conj) for conj in sets))
            elif any(not conj for conj in sets):
                memo[key] = 0
            else:
                children = {status(advance(sets, d), remaining - 1) for d in DIGITS}
                memo[key] = children.pop() if len(children) == 1 else None
        return memo[key]

    def advance(sets, digit):
        return tuple(tuple((m, t) for m, t in ((m, m.step(s, digit)) for m, s in conj) if t)
                     for conj in sets)

    out = []

    def walk(sets, prefix):
        found = status(sets, length - len(prefix))
        if found == 1:
            out.append(prefix)
        elif found is None:
            for d in sorted(DIGITS):
                walk(advance(sets, d), prefix + d)

    walk(tuple(tuple((m, m.initial) for m in conj) for conj in conjuncts), "")
    return out


def rules(by_length):
    """{length: [prefix]} -> [(pattern, [lengths])], merged and sorted."""
    owners = {}
    for length, found in by_length.items():
        for prefix in found:
            owners.setdefault(prefix, set()).add(length)
    current = {(tuple(frozenset(c) for c in prefix), frozenset(lengths))
               for prefix, lengths in owners.items()}
    # Rules that differ at one position only become one rule with a class there; a pass merges
    # every such group at one position, passes repeat until nothing merges.
    changed = True
    while changed:
        changed = False
        for i in range(max(len(p) for p, _ in current) - 1, -1, -1):
            groups = {}
            for positions, lengths in current:
                if i < len(positions):
                    key = (positions[:i], positions[i + 1:], lengths)
                    groups.setdefault(key, set()).add(positions[i])
                else:
                    groups.setdefault((positions, None, lengths), set())
            merged = set()
            for (before, after, lengths), classes in groups.items():
                if after is None:
                    merged.add((before, lengths))
                else:
                    merged.add((before + (frozenset().union(*classes),) + after, lengths))
            changed |= len(merged) < len(current)
            current = merged
    out = [(spell(positions), sorted(lengths)) for positions, lengths in current]
    return sorted(out, key=lambda r: (r[0].replace("[", "").replace("]", ""), r[1]))


def spell(positions):
    out = ""
    for digits in positions:
        ds = sorted(int(d) for d in digits)
        if len(ds) == 1:
            out += str(ds[0])
            continue
        parts, i = [], 0
        while i < len(ds):
            j = i
            while j + 1 < len(ds) and ds[j + 1] == ds[j] + 1:
                j += 1
            parts.append(str(ds[i]) if i == j else
                         "%d%d" % (ds[i], ds[j]) if j == i + 1 else "%d-%d" % (ds[i], ds[j]))
            i = j + 1
        out += "[%s]" % "".join(parts)
    return out


def region_tables(region):
    meta = PhoneMetadata.metadata_for_region(region)
    general, _, _ = descs(region)
    memo = {}
    general_rules = rules({n: prefixes([[general]], n, memo) for n in range(1, MAX_LEN + 1)})
    valid = {}
    for member in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[meta.country_code]:
        g, g_lengths, types = descs(member)
        for n in sorted(g_lengths):
            matching = [m for m, lengths in types if n in lengths]
            if matching:
                valid.setdefault(n, set()).update(prefixes([[g], matching], n, {}))
    # Prefixes of one member may cover another's: keep the shortest.
    for n, found in valid.items():
        valid[n] = [p for p in found if not any(p[:k] in found for k in range(len(p)))]
    general_lengths = meta.general_desc.possible_length
    local = meta.general_desc.possible_length_local_only
    return general_lengths, local, general_rules, rules(valid)


def mask(lengths):
    return sum(1 << n for n in lengths)


def rust_rules(name, found):
    body = "".join('        ("%s", 0x%05x),\n' % (p, mask(ls)) for p, ls in found)
    return "    %s: &[\n%s    ],\n" % (name, body)


def main():
    out = [
        "//! Per-region length and range tables: which national significant numbers each region",
        "//! has. Generated by tests/tools/gen_region_tables.py from libphonenumber %s; do not edit"
        % phonenumbers.__version__,
        "//! (tests/phone_vs_libphonenumber.rs fails when this file differs from what it writes).",
        "",
        "use super::metadata::Ranges;",
        "",
    ]
    total = 0
    for region in REGIONS:
        lengths, local, general, valid = region_tables(region)
        total += len(general) + len(valid)
        out.append("pub(super) const %s: Ranges = Ranges {" % region)
        out.append("    lengths: &[%s]," % ", ".join(map(str, lengths)))
        out.append("    local_lengths: &[%s]," % ", ".join(map(str, local)))
        out.append(rust_rules("general", general).rstrip("\n"))
        out.append(rust_rules("valid", valid).rstrip("\n"))
        out.append("};")
        out.append("")
    text = "\n".join(out).rstrip("\n") + "\n"
    if "--stdout" in sys.argv:
        sys.stdout.write(text)
    else:
        with open(OUT, "w") as f:
            f.write(text)
    print("%d rules" % total, file=sys.stderr)


if __name__ == "__main__":
    main()
