#!/usr/bin/env python3
"""Puts one benchmark's section into bench/RESULTS.md: replaces the section
that starts with the same `## ` heading, or appends it. Every bench script
writes its own section this way, so each can run alone.

Usage: bench/section.py SECTION_FILE  (its first line is the `## ` heading)
"""
import re
import sys

section = open(sys.argv[1]).read()
heading = section.splitlines()[0]
try:
    text = open("bench/RESULTS.md").read()
except FileNotFoundError:
    text = "# Benchmark results\n"
pat = re.compile("^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
text = pat.sub(lambda _: section.rstrip("\n") + "\n\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
open("bench/RESULTS.md", "w").write(text.rstrip("\n") + "\n")
