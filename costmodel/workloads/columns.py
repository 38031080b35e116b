"""Lenient column names of usage logs: the aliases of each field and the matching of a file's header.

Case, camelCase, spaces and nesting are ignored; nested JSON/Parquet fields are
flattened to ``a.b.c``. The table of aliases per field is in costmodel.workloads.usage_log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from costmodel.errors import CostModelError

ALIASES: dict[str, tuple[str, ...]] = {
    "prompt": (
        "prompt_tokens",
        "input_tokens",
        "prompt_token_count",
        "context_tokens",
        "input_length",
        "prompt_tokens_count",
        "n_prompt_tokens",
        "num_prompt_tokens",
        "tokens_in",
        "input_token_count",
    ),
    "output": (
        "completion_tokens",
        "output_tokens",
        "candidates_token_count",
        "generated_tokens",
        "output_length",
        "completion_tokens_count",
        "n_completion_tokens",
        "num_completion_tokens",
        "tokens_out",
        "output_token_count",
    ),
    "cached": (
        "prompt_tokens_details.cached_tokens",
        "input_tokens_details.cached_tokens",
        "prompt_tokens_details_cached_tokens",
        "input_tokens_details_cached_tokens",
        "cache_read_input_tokens",
        "cached_content_token_count",
        "cached_tokens",
        "cached_input_tokens",
        "cache_hit_tokens",
        "prompt_cache_hit_tokens",
    ),
    "cache_write": ("cache_creation_input_tokens", "cache_write_tokens", "cache_creation_tokens"),
    # the 1-hour part of the cache writes (Anthropic usage.cache_creation.ephemeral_1h_input_tokens)
    "cache_write_1h": ("ephemeral_1h_input_tokens", "cache_write_1h_tokens", "cache_creation_1h_tokens"),
    "reasoning": ("reasoning_tokens", "thinking_tokens", "thoughts_token_count"),
    "user": (
        "user_id",
        "user",
        "end_user",
        "customer_id",
        "account_id",
        "user_api_key_user_id",
        "api_key",
        "userid",
    ),
    "timestamp": (
        "timestamp",
        "created_at",
        "created",
        "start_time",
        "request_time",
        "request_timestamp",
        "time",
        "datetime",
        "date",
        "ts",
        "end_time",
    ),
}
TOP_LEVEL_ONLY = {"reasoning"}  # nested *_details.reasoning_tokens are already inside output ...
NESTED_OK = {"thoughts_token_count"}  # ... but Gemini's usageMetadata.thoughtsTokenCount is not: it adds to output


def normalize_name(name: Any) -> str:
    """'Usage.promptTokensDetails.Cached Tokens' -> 'usage.prompt_tokens_details.cached_tokens'."""
    parts = []
    for seg in str(name).split("."):
        seg = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", seg.strip())
        seg = re.sub(r"[^0-9a-zA-Z]+", "_", seg).strip("_").lower()
        parts.append(seg)
    return ".".join(p for p in parts if p)


@dataclass(frozen=True)
class ColumnMap:
    """Which source column plays which role (None = absent)."""

    prompt: str
    output: str
    cached: str | None = None
    cache_write: str | None = None
    cache_write_1h: str | None = None
    reasoning: str | None = None
    user: str | None = None
    timestamp: str | None = None
    prompt_excludes_cache: bool = False  # Anthropic input_tokens
    notes: tuple[str, ...] = ()

    def columns(self) -> list[str]:
        return [
            c
            for c in (
                self.prompt,
                self.output,
                self.cached,
                self.cache_write,
                self.cache_write_1h,
                self.reasoning,
                self.user,
                self.timestamp,
            )
            if c is not None
        ]


def match_columns(names: list[Any], source: str = "log") -> ColumnMap:
    """Match source columns to roles; a missing prompt or output column is a CostModelError."""
    norm = {normalize_name(n): n for n in names}
    found: dict[str, tuple[str, str]] = {}  # role -> (alias matched, original name)
    for role, aliases in ALIASES.items():
        for alias in aliases:
            hit = None
            for key, orig in norm.items():
                if role in TOP_LEVEL_ONLY and "." in key and alias not in NESTED_OK:
                    continue
                matches = key == alias or key.endswith("." + alias)
                if matches and (hit is None or key.count(".") < normalize_name(hit).count(".")):
                    hit = orig
            if hit is not None and all(hit != v[1] for v in found.values()):
                found[role] = (alias, hit)
                break
    shown = ", ".join(map(str, names)) or "(none)"
    for role in ("prompt", "output"):
        if role not in found:
            raise CostModelError(
                f"{source}: no {role} token column; looked for {', '.join(ALIASES[role][:6])} ...; found columns: {shown}"
            )
    notes = []
    excludes = found["prompt"][0] == "input_tokens" and (
        found.get("cached", ("",))[0] == "cache_read_input_tokens"
        or found.get("cache_write", ("",))[0] == "cache_creation_input_tokens"
    )
    if excludes:
        notes.append(
            "prompt = input_tokens + cache_read_input_tokens + cache_creation_input_tokens (Anthropic usage)"
        )
    reasoning = found.get("reasoning", (None, None))[1]
    if reasoning is not None and found["output"][0] == "completion_tokens":
        notes.append(f"{reasoning!r} ignored: OpenAI completion_tokens already include reasoning tokens")
        reasoning = None
    elif reasoning is not None:
        notes.append(f"{reasoning!r} added to output tokens (reasoning is billed as output)")
    return ColumnMap(
        prompt=found["prompt"][1],
        output=found["output"][1],
        cached=found.get("cached", (None, None))[1],
        cache_write=found.get("cache_write", (None, None))[1],
        cache_write_1h=found.get("cache_write_1h", (None, None))[1],
        reasoning=reasoning,
        user=found.get("user", (None, None))[1],
        timestamp=found.get("timestamp", (None, None))[1],
        prompt_excludes_cache=excludes,
        notes=tuple(notes),
    )
