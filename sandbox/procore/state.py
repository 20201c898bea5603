"""Everything one running emulator holds, in one object the routes share."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.procore.auth import TokenStore
from sandbox.procore.clock import Clock
from sandbox.procore.faults import FaultInjector
from sandbox.procore.ratelimit import RateLimiter
from sandbox.procore.resources import ENDPOINTS, FORECASTING_ENDPOINTS, SYNC_ENDPOINTS
from sandbox.procore.routing import Router
from sandbox.procore.settings import EmulatorSettings
from sandbox.procore.stats import Stats
from sandbox.procore.store import Store
from sandbox.scenario import Scenario


@dataclass
class EmulatorState:
    scenario: Scenario
    settings: EmulatorSettings
    clock: Clock
    store: Store
    tokens: TokenStore
    limiter: RateLimiter
    faults: FaultInjector
    stats: Stats
    router: Router
    initial_settings: EmulatorSettings = field(default_factory=EmulatorSettings)

    @classmethod
    def create(cls, scenario: Scenario, settings: EmulatorSettings | None = None) -> EmulatorState:
        settings = settings or EmulatorSettings()
        clock = Clock()
        return cls(
            scenario=scenario,
            settings=settings,
            clock=clock,
            store=Store.from_dir(scenario.procore_dir, clock),
            tokens=TokenStore(clock),
            limiter=RateLimiter(
                clock,
                settings.hourly_limit,
                settings.spike_limit,
                settings.hourly_window,
                settings.spike_window,
            ),
            faults=FaultInjector(settings.faults, settings.seed, clock),
            stats=Stats(),
            router=Router((*ENDPOINTS, *SYNC_ENDPOINTS, *FORECASTING_ENDPOINTS)),
            initial_settings=settings,
        )

    @property
    def company_id(self) -> int:
        return self.scenario.procore.company_id

    def apply_settings(self, settings: EmulatorSettings) -> None:
        """Switch to new settings at runtime; rate-limit counters restart."""
        self.settings = settings
        self.limiter.configure(
            settings.hourly_limit,
            settings.spike_limit,
            settings.hourly_window,
            settings.spike_window,
        )

    def reset(self) -> None:
        """Back to just-started: the settings it was created with, scenario data, no
        tokens, fresh counters, clock at real time, the settings' own fault set."""
        self.apply_settings(self.initial_settings)
        self.clock.reset()
        self.store.reload()
        self.tokens.clear()
        self.limiter.reset()
        self.stats.reset()
        self.faults.configure(self.settings.faults)
        self.faults.reset_counts()
