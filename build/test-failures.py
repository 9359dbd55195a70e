#!/usr/bin/env python3
"""Prints each failed test of a run's .trx files with the first lines of its message, so a CI log tail shows what broke."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
MAX_LINES = 12

def main(folder):
    for path in sorted(glob.glob(f"{folder}/*.trx") + glob.glob(f"{folder}/*/*.trx")):
        run = os.path.basename(os.path.dirname(path)) if os.path.dirname(path) != folder.rstrip("/") else ""
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            print(f"FAILED to read {path}: {error}")
            continue
        for result in root.iter(f"{NS}UnitTestResult"):
            if result.get("outcome") in ("Passed", "NotExecuted", "Inconclusive"):
                continue
            print(f"FAILED {result.get('testName')}{' [' + run + ']' if run else ''} ({result.get('outcome')}, {result.get('duration')})")
            message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
            stack = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}StackTrace")
            lines = []
            for part in (message, stack):
                if part is not None and part.text:
                    lines.extend(part.text.strip().splitlines())
            for line in lines[:MAX_LINES]:
                print(f"    {line}")

if __name__ == "__main__":
    main(sys.argv[1])
