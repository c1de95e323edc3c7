"""The footer of key bindings, updated in place when the bindings change.

Textual's `Footer` rebuilds all of its keys (some 25 widgets, each styled and laid out anew)
whenever the screen's bindings change, for instance when the board is switched on or off, or
an action becomes possible. `KeyFooter` instead works out the keys it should show and, when
none of them is grouped, changes the existing key widgets in place: their key, text, action
and dimming, at once (in the same frame as the change that caused it, so the screen is laid out
once); keys no longer needed are hidden, and kept for later. It mounts keys only when it has too
few. Anything else (grouped bindings, the command palette key shown or hidden) falls back to
Textual's full rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["KeyFooter"]


@dataclass(frozen=True, slots=True)
class KeySpec:
    """What one footer key shows."""

    key: str
    key_display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    palette: bool = False


class KeyFooter(Footer):
    """A `Footer` that updates its keys in place (see the module's notes)."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self.update_now():
            self.call_after_refresh(self._rebuild)

    def wanted(self) -> list[KeySpec] | None:
        """The keys `Footer.compose` would show, or None when it would group some."""
        active = self.screen.active_bindings
        by_action: dict[str, tuple[Binding, bool, str]] = {}
        for _, binding, enabled, tooltip in active.values():
            if not binding.show:
                continue
            if binding.group is not None:
                return None
            by_action.setdefault(binding.action, (binding, enabled, tooltip))
        specs = [
            KeySpec(b.key, self.app.get_key_display(b), b.description, b.action, not enabled, tooltip)
            for b, enabled, tooltip in by_action.values()
        ]
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, _ = found
                specs.append(
                    KeySpec(
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        not enabled,
                        binding.tooltip or binding.description,
                        palette=True,
                    )
                )
        return specs

    def _split(self) -> tuple[list[FooterKey], list[FooterKey]] | None:
        """The plain keys and the palette key, or None if the footer holds anything else."""
        children = list(self.children)
        keys = [k for k in children if isinstance(k, FooterKey)]
        if not keys or len(keys) != len(children):
            return None
        palette = [k for k in keys if k.has_class("-command-palette")]
        return [k for k in keys if not k.has_class("-command-palette")], palette

    def update_now(self) -> bool:
        """Show the current bindings by changing the key widgets in place (now, in this frame);
        keys no longer needed are hidden for later. False when that cannot be done: too few key
        widgets, grouped bindings, or the palette key shown or hidden (then rebuild)."""
        specs = self.wanted()
        split = self._split()
        if specs is None or split is None:
            return False
        plain_keys, palette_keys = split
        plain_specs = [s for s in specs if not s.palette]
        palette_specs = [s for s in specs if s.palette]
        if len(palette_keys) != len(palette_specs) or len(plain_specs) > len(plain_keys):
            return False
        for widget, spec in zip(palette_keys, palette_specs, strict=True):
            _apply(widget, spec)
        for n, widget in enumerate(plain_keys):
            if n < len(plain_specs):
                _apply(widget, plain_specs[n])
            widget.display = n < len(plain_specs)
        return True

    async def _rebuild(self) -> None:
        """Add the key widgets that are missing, or build the footer anew."""
        if not self.is_attached or self.update_now():
            return
        specs, split = self.wanted(), self._split()
        if specs is not None and split is not None and len(split[1]) == sum(s.palette for s in specs):
            plain_keys, palette_keys = split
            missing = [s for s in specs if not s.palette][len(plain_keys) :]
            new = [
                FooterKey(s.key, s.key_display, s.description, s.action, disabled=s.disabled, tooltip=s.tooltip)
                for s in missing
            ]
            for widget in new:
                widget.data_bind(compact=Footer.compact)
            await self.mount_all(new, before=palette_keys[0] if palette_keys else None)
            if self.update_now():
                return
        await self.recompose()


def _apply(widget: FooterKey, spec: KeySpec) -> None:
    """Make a key widget show `spec`; repaint it only if something changed."""
    width_before = (widget.key_display, widget.description)
    changed = (
        widget.key != spec.key
        or width_before != (spec.key_display, spec.description)
        or widget.action != spec.action
        or widget._disabled != spec.disabled
    )
    widget.key, widget.key_display, widget.description, widget.action = (
        spec.key,
        spec.key_display,
        spec.description,
        spec.action,
    )
    if widget._disabled != spec.disabled:
        widget._disabled = spec.disabled
        widget.set_class(spec.disabled, "-disabled")
    if (widget.tooltip or "") != spec.tooltip:
        widget.tooltip = spec.tooltip or None
    if changed:
        widget.refresh(layout=width_before != (spec.key_display, spec.description))
