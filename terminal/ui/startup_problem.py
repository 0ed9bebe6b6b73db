"""The window `pos-terminal run` shows instead of the till when its data folder cannot be used.

A till usually has no console anyone reads: a message printed to stderr alone would leave the
cashier in front of a blank screen or, worse, an empty till. So the refusal (database missing,
damaged, disk full: `terminal.store.errors.DataFolderError`) is shown full screen, in Chinese and
English at once (whoever stands there may call someone who reads the other), with what to do.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from terminal.store.errors import DataFolderError
from terminal.ui.fonts import register_cjk_font
from terminal.ui.widgets import PosButton, PosLabel

BACKGROUND = (0.94, 0.95, 0.97, 1)
TITLE_ZH = "收银程序无法启动"
TITLE_EN = "The till cannot start"
EXIT_CODE = 4
"""`pos-terminal run`'s exit status after this window is closed (as the other commands' refusal)."""


class StartupProblemApp(App):  # type: ignore[misc]
    """Shows one `DataFolderError` and a close button; never opens the database."""

    def __init__(self, problem: DataFolderError, *, lang: str = "zh_CN", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem
        self.lang = lang
        self.title = f"{TITLE_ZH} / {TITLE_EN}"
        self.exit_code = EXIT_CODE
        self.unhandled: list[BaseException] = []
        """(As `PosApp`: the UI harness fails a scenario on any.)"""

    def build(self) -> Any:
        register_cjk_font()
        from terminal.ui.app import KV_DIR

        Builder.load_file(str(KV_DIR / "common.kv"))  # the till's button and label styles
        Window.clearcolor = BACKGROUND
        root = BoxLayout(orientation="vertical", padding=dp(32), spacing=dp(16))
        first, second = ((self.problem.message_en, self.problem.message) if self.lang == "en"
                         else (self.problem.message, self.problem.message_en))
        root.add_widget(self._label(f"{TITLE_ZH}\n{TITLE_EN}", font_size="28sp", bold=True,
                                    color=(0.82, 0.22, 0.20, 1), name="title"))
        root.add_widget(self._label(first, font_size="20sp", name="first"))
        root.add_widget(self._label(second, font_size="17sp", color=(0.35, 0.38, 0.42, 1), name="second"))
        root.add_widget(BoxLayout())  # the text stays at the top, the button at the bottom
        close = PosButton(text="关闭 Close", kind="primary", size_hint_x=None, width=dp(240),
                          pos_hint={"right": 1})
        close.bind(on_release=lambda *_a: self.stop())
        root.add_widget(close)
        self.close_button = close
        return root

    def _label(self, text: str, *, name: str, **style: Any) -> PosLabel:
        label = PosLabel(text=text, size_hint_y=None, **style)
        label.bind(texture_size=lambda w, size: setattr(w, "height", size[1] + dp(8)))
        setattr(self, f"{name}_label", label)
        return label
