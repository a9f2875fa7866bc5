"""Respondent-level scoring rules, read from the ``scoring`` block of an instrument YAML.

The defaults are the documented rules of ``shared/design/domain.md``; an organisation
changes a threshold by editing its instrument file. Unknown keys are an error, so a typo
in the YAML cannot silently fall back to a default.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from servicechain.instruments.model import Instrument


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AtLeast(_Rules):
    """``attachment_at_least``: the attachment score from which a category applies."""

    attachment_at_least: float
    rationally_loyal: bool = False


class Disengaged(_Rules):
    """Actively disengaged customers: low attachment *or* low satisfaction."""

    attachment_at_most: float = 2.5
    satisfaction_at_most: int = 2


class RationallyLoyal(_Rules):
    """Completely satisfied, certain to continue and a promoter."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    satisfaction: int = 5
    continue_: int = Field(5, alias="continue")
    promoter: bool = True


class EmotionallySatisfied(_Rules):
    """Among completely satisfied customers, those whose attachment is high."""

    satisfaction: int = 5
    attachment_at_least: float = 4.5


class Rescale(_Rules):
    """A linear map of the 0..10 recommend item onto 1..5: ``intercept + slope * x``."""

    intercept: float = 1.0
    slope: float = 0.4


class CeIndex(_Rules):
    recommend_rescale: Rescale = Rescale()


class CustomerRules(_Rules):
    """Customer engagement: attachment, rational loyalty, segment, NPS, CE index."""

    satisfaction_item: str = "satisfaction"
    continue_item: str = "continue"
    recommend_item: str = "recommend"
    promoter_at_least: int = 9
    detractor_at_most: int = 6
    rationally_loyal: RationallyLoyal = RationallyLoyal.model_validate({})
    fully_engaged: AtLeast = AtLeast(attachment_at_least=4.5, rationally_loyal=True)
    engaged: AtLeast = AtLeast(attachment_at_least=4.0)
    actively_disengaged: Disengaged = Disengaged()
    emotionally_satisfied: EmotionallySatisfied = EmotionallySatisfied()
    ce_index: CeIndex = CeIndex()
    min_share_answered: float = 0.5


class EmployeeEngaged(_Rules):
    index_at_least: float = 4.0
    no_item_at_most: int = 2


class EmployeeDisengaged(_Rules):
    index_at_most: float = 2.5


class EmployeeRules(_Rules):
    """Employee engagement index and category, eNPS."""

    engagement_dimension: str = "engagement"
    enps_item: str = "enps"
    promoter_at_least: int = 9
    detractor_at_most: int = 6
    engaged: EmployeeEngaged = EmployeeEngaged()
    actively_disengaged: EmployeeDisengaged = EmployeeDisengaged()
    min_share_answered: float = 0.5


class TouchpointRules(_Rules):
    """Post-interaction micro-survey: top box of satisfaction."""

    satisfaction_item: str = "satisfaction"
    top_box_at_least: int = 5


def customer_rules(instrument: Instrument) -> CustomerRules:
    """The customer scoring rules of ``instrument`` (defaults where the YAML is silent)."""
    return CustomerRules.model_validate(instrument.scoring)


def employee_rules(instrument: Instrument) -> EmployeeRules:
    """The employee scoring rules of ``instrument``."""
    return EmployeeRules.model_validate(instrument.scoring)


def touchpoint_rules(instrument: Instrument) -> TouchpointRules:
    """The touchpoint scoring rules of ``instrument``."""
    return TouchpointRules.model_validate(instrument.scoring)
