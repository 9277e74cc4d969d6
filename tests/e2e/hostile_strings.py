#!/usr/bin/python3
"""The hostile strings of the end-to-end tests (t0663 and whoever needs
them): text an attacker or a careless lab machine could put in a name, a
kernel release, a CPU model or a triage.  Each is a Python str; those
JSON cannot carry (a lone surrogate) are sent as JSON escapes by the test.
Imported, or run to print them as JSON, one a line.
"""
import json

HOSTILE = [
    # markup, entities and quotes
    '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onmouseover='x",
    '&amp;', '&#xFFFF;', '&#0;', '&lt;&gt;', ']]>', '<![CDATA[x]]>', '<?xml version="1.0"?>',
    '<!-- c -->', '<!DOCTYPE x [<!ENTITY e "e">]>&e;',
    # characters XML 1.0 forbids or Unicode reserves (noncharacters)
    '6.9\uffff', '6.9\ufffe', 'rc\ufdd0', 'x\ufdef', '\U0001ffff', '\U0010fffe', '\U0010ffff',
    # control characters: C0 (JSON escapes), DEL, C1 (U+0085 NEL, U+009B CSI)
    'a\u0000b', 'a\u0001b', 'bell\u0007', 'esc\u001b[31mred', 'tab\tx', 'nl\nx', 'cr\rx', 'del\u007f',
    'nel\u0085', 'csi\u009b31m',
    # format and invisible characters, look-alikes
    'lab-a\u200b', 'lab-\u202ea-bal', '\ufefflab', 'lab\u00a0a', 'lab\u2028a', 'lab\u2029a',
    'lab\u2060', 'lab\u034f', 'lab\u3164', 'lab\ufe0f', 'lab\U000e0001', 'lab\u180e', 'lab\u00ad',
    'lab\u2066x\u2069', ' lab', 'lab ', '.', '..', '...',
    # URL trouble
    '6.9/..', 'a/b', 'a%00b', '%2e%2e', 'a?b#c', 'a\\b', 'a b+c', '%', '%zz', '%2F',
    # replacement, private use, wide and combining characters, other scripts
    '\ufffd', '\ue000', '\U000f0000', '\U0001f427', 'e\u0301', 'Z\u0351\u0300\u0317\u035a',
    '\u0645\u0631\u062d\u0628\u0627', '\u05e9\u05dc\u05d5\u05dd', '\u4e2d\u6587', 'caf\u00e9',
    # SQL and format strings
    "'; DROP TABLE hosts;--", '%s%s%s%n', '${x}', '$(id)',
    # long
    'x' * 255, '<&>"' * 60,
]

if __name__ == "__main__":
    for s in HOSTILE:
        print(json.dumps(s))
