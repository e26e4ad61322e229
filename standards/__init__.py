"""The standards Meshport speaks: ODPS v1 data products and ODCS v3 data contracts as documents.

Reading them (YAML or JSON, with the line of every field), holding them to the standards' own JSON
Schemas, the ODCS server types, and the limits a document must keep. Nothing here knows the
catalog's models: catalog maps documents to rows and adds its own rules; governance's
``policies_check`` and the CLI read documents through the same code.
"""
