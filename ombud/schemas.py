"""Field types shared by the API schemas."""

from typing import Annotated

from pydantic import Field

# Database ids: positive and within a signed 64-bit integer, so that a fuzzed 2**70 is a 400,
# not an overflow deep in the database driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
