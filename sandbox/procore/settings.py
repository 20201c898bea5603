"""Emulator settings and fault switches, as pydantic models.

The same `FaultConfig` is the starting fault set in `EmulatorSettings.faults`, the body
of `PUT/PATCH /_admin/faults`, and what `FaultConfig.from_specs(["server_errors.rate=0.2"])`
builds from CLI-style `--fault key=value` options. Defaults reproduce Procore's
documented behaviour with no faults.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.procore.resources import RESOURCES


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ServerErrors(_Model):
    """Answer with 500/502/503 (503 carries `Retry-After`) at `rate` (0..1, seeded RNG)."""

    rate: float = Field(1.0, ge=0, le=1)
    statuses: list[Literal[500, 502, 503]] = Field(
        default_factory=lambda: [500, 502, 503], min_length=1
    )
    next_requests: int | None = Field(None, ge=0, description="only the next N matching requests")
    operation: str | None = Field(None, description="only this operationId")
    retry_after: int = Field(1, ge=0, description="seconds, sent with 503")


class Latency(_Model):
    """Delay each matching response by `seconds` (+ up to `jitter`, seeded)."""

    seconds: float = Field(0.0, ge=0)
    jitter: float = Field(0.0, ge=0)
    next_requests: int | None = Field(None, ge=0)
    operation: str | None = None


class RateLimitStorm(_Model):
    """Answer 429 regardless of the real counters, for the next N requests or T seconds."""

    next_requests: int | None = Field(None, ge=0)
    seconds: float | None = Field(None, ge=0, description="emulator-clock seconds from now")
    retry_after: int = Field(1, ge=0)
    operation: str | None = None


class BodyCorruption(_Model):
    """Break the JSON of the next N successful responses (status and headers stay 200)."""

    mode: Literal["truncate", "malformed"] = "truncate"
    next_requests: int = Field(1, ge=0)
    operation: str | None = None


class SchemaDrift(_Model):
    """Rename a record field and/or change its JSON type in every response of a resource."""

    resource: str
    field: str
    rename_to: str | None = None
    to_type: Literal["number", "string", "integer", "boolean", "null"] | None = None

    @field_validator("resource")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in RESOURCES:
            raise ValueError(f"unknown resource {value!r}; one of {', '.join(RESOURCES)}")
        return value


class PageShift(_Model):
    """Change the data between page requests: fires after page 1 of a multi-page list.

    `touch`: bump `updated_at` of the last record of the result (it sits on a later page);
    `insert_front`: add a copy of the first record with an id below every existing one
    (later pages shift forward: the client sees a record twice);
    `delete_front`: hard-delete the first record (later pages shift back: the client
    misses one).
    """

    resource: str
    mode: Literal["touch", "insert_front", "delete_front"] = "touch"
    times: int = Field(1, ge=0, description="how many list walks to disturb")

    @field_validator("resource")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in RESOURCES:
            raise ValueError(f"unknown resource {value!r}; one of {', '.join(RESOURCES)}")
        return value


class FaultConfig(_Model):
    """Every fault switch; None / empty = off."""

    server_errors: ServerErrors | None = None
    latency: Latency | None = None
    rate_limit_storm: RateLimitStorm | None = None
    body_corruption: BodyCorruption | None = None
    schema_drift: list[SchemaDrift] = Field(default_factory=list)
    page_shift: list[PageShift] = Field(default_factory=list)

    @classmethod
    def from_specs(cls, specs: Iterable[str]) -> FaultConfig:
        """Build from CLI-style `kind.field=value` items.

        `server_errors.rate=0.2`, `server_errors.statuses=503`, `latency.seconds=0.5`,
        `rate_limit_storm.next_requests=5`, `body_corruption.mode=malformed`,
        `schema_drift=requisitions:total_claimed_amount:number` (resource:field:to_type)
        or `...:rename=new_name`, `page_shift=requisitions:insert_front`.
        """
        data: dict[str, Any] = {}
        for spec in specs:
            key, sep, value = spec.partition("=")
            if not sep:
                raise ValueError(f"fault {spec!r}: expected KIND.FIELD=VALUE")
            key = key.strip()
            if key == "schema_drift":
                data.setdefault("schema_drift", []).append(_drift_spec(value))
                continue
            if key == "page_shift":
                resource, _, mode = value.partition(":")
                data.setdefault("page_shift", []).append(
                    {"resource": resource, "mode": mode or "touch"}
                )
                continue
            kind, dot, name = key.partition(".")
            if not dot or kind not in cls.model_fields:
                raise ValueError(f"fault {spec!r}: KIND is one of {', '.join(cls.model_fields)}")
            parsed: Any = [int(v) for v in value.split(",")] if name == "statuses" else value
            data.setdefault(kind, {})[name] = parsed
        return cls.model_validate(data)


def _drift_spec(value: str) -> dict[str, Any]:
    parts = value.split(":")
    if len(parts) != 3:
        raise ValueError(
            f"schema_drift={value!r}: expected RESOURCE:FIELD:TYPE or RESOURCE:FIELD:rename=NEW"
        )
    resource, field, change = parts
    if change.startswith("rename="):
        return {"resource": resource, "field": field, "rename_to": change[7:]}
    return {"resource": resource, "field": field, "to_type": change}


class EmulatorSettings(_Model):
    """How the emulator behaves where Procore leaves room (see sandbox/procore/README.md)."""

    token_lifetime: int = Field(5400, ge=1, description="seconds; Procore: 90 min")
    hourly_limit: int = Field(3600, ge=0, description="requests per hour window; 0 = unlimited")
    spike_limit: int = Field(100, ge=0, description="requests per spike window; 0 = unlimited")
    hourly_window: float = Field(3600, gt=0)
    spike_window: float = Field(10, gt=0)
    strict_company_header: bool = Field(
        False, description="require Procore-Company-Id on /me and /companies too (DMSA/MPR)"
    )
    missing_company_header_status: int = Field(400, ge=400, le=499)
    default_per_page: int | None = Field(None, ge=1, description="override every endpoint's")
    max_per_page: int | None = Field(None, ge=1, description="override every endpoint's")
    rate_limit_body: Literal["text", "json"] = Field(
        "text", description="429 body: Procore's bare sentence, or {'errors': sentence}"
    )
    seed: int = 0
    faults: FaultConfig = Field(default_factory=FaultConfig)
