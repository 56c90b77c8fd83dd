#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# usage: validate-json.py SCHEMA FILE...: each FILE validates against the JSON Schema (draft
# 2020-12) SCHEMA and is UTF-8 JSON text, or one line per error and exit 1. SCHEMA may be a
# directory: each FILE is then checked against the schema it names, "gilprof-X/1" ->
# SCHEMA/gilprof-X.schema.json, so a test need not know which of gilprof's documents it got. Debian's
# python3-jsonschema (tools/deps.sh) does the validating: a schema is only as good as its checker.
import json
import os
import re
import sys

import jsonschema


def load(path, cache={}):
    if path not in cache:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        cache[path] = cls(schema)
    return cache[path]


def main():
    if len(sys.argv) < 3:
        print("usage: validate-json.py SCHEMA FILE...", file=sys.stderr)
        return 2
    bad = 0
    for path in sys.argv[2:]:
        try:
            with open(path, "rb") as f:
                doc = json.loads(f.read().decode("utf-8", errors="strict"))
        except (UnicodeDecodeError, ValueError) as e:
            print(f"{path}: not UTF-8 JSON: {e}")
            bad += 1
            continue
        schema_path = sys.argv[1]
        if os.path.isdir(schema_path):
            name = doc.get("schema") if isinstance(doc, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"gilprof-[a-z]+/[0-9]+", name):
                print(f"{path}: no 'schema' member naming a gilprof document")
                bad += 1
                continue
            schema_path = os.path.join(schema_path, name.split("/")[0] + ".schema.json")
        checker = load(schema_path)
        for e in sorted(checker.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: /{where}: {e.message[:300]}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
