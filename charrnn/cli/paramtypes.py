"""click parameter types charrnn's options share: finite float ranges, integer ranges that
also take `auto`, comma lists, and a tune's form plan."""

import math

import click


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that also refuses nan and inf (nan passes FloatRange's comparisons)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{number} is not a finite number.", param, ctx)
        return number


class AutoIntRange(click.IntRange):
    """click.IntRange that also takes `auto` (a value charrnn settles when the run starts)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        try:
            int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is neither a whole number nor auto.", param, ctx)
        return super().convert(value, param, ctx)


class CommaList(click.ParamType):
    """'a,b,c' -> a list, each item converted by `item` (any click type); with unique=True
    repeats are dropped, keeping the first."""

    name = "list"

    def __init__(self, item, unique=False):
        self.item, self.unique = item, unique

    def convert(self, value, param, ctx):
        if isinstance(value, list):  # already converted (a default given as a list)
            return value
        parts = [part.strip() for part in str(value).split(",") if part.strip()]
        if not parts:
            self.fail("needs at least one value", param, ctx)
        items = [self.item.convert(part, param, ctx) for part in parts]
        return list(dict.fromkeys(items)) if self.unique else items

    def get_metavar(self, param, ctx=None):
        return f"{self.item.name.upper()}[,...]"


class FormType(click.ParamType):
    """`--form`: auto, any, or parts with their bars (`AABB`, "AABB 8", "ABC 8+8+16"), as a
    charrnn.music.steer.form.FormRequest."""

    name = "form"

    def convert(self, value, param, ctx):
        from charrnn.music.steer.form import FormRequest

        if isinstance(value, FormRequest):
            return value
        try:
            return FormRequest.parse(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)
