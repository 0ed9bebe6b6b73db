"""The roles tests use the console's sign-in helper too."""

from tests.central.console.conftest import console_login  # noqa: F401 - a fixture
from tests.central.excel.conftest import make_xlsx  # noqa: F401 - a fixture
