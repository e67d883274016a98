"""tonekit's Python worker: LoRA training and blending behind a JSON Lines protocol (PROTOCOL.md).

Importing this package is cheap on purpose: torch, transformers and peft are imported by the methods
that need them, so the worker starts, announces `ready` and says what to install without them.
"""

__version__ = "0.1.0"

#: The protocol version announced in `ready` (PROTOCOL.md's title); the driver refuses other versions.
PROTOCOL_VERSION = 1
