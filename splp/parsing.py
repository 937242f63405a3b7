"""The one way JSON and YAML from users is parsed: bounded in nesting depth and, for YAML, in what its
aliases expand to, so that a small document can neither exhaust the stack nor the memory."""

import json

import yaml
from django.utils.translation import gettext as _

# Far deeper than any real OpenAPI document or API body (those stay under ~30 levels), and shallow enough
# for the recursive code that later walks the data (validators, renderers) to keep clear of the stack limit.
MAX_DEPTH = 64


class DocumentError(Exception):
    """A document refused for its shape (too deep, aliases too large, not YAML); ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _too_deep():
    return DocumentError(_("The document is nested too deeply (more than %(max)d levels).") % {"max": MAX_DEPTH})


def _refuse_constant(name):
    raise ValueError(_("%(value)s is not a valid JSON number.") % {"value": name})


def load_json(text):
    """``json.loads`` refusing NaN/Infinity and nesting beyond ``MAX_DEPTH``.

    Raises ``ValueError`` when the text is not JSON (callers may try another format) and ``DocumentError``
    when it is JSON nested too deeply."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # the C decoder stops cleanly at the interpreter's limit
        raise _too_deep() from None
    if _depth_exceeds(data):
        raise _too_deep()
    return data


def _depth_exceeds(data):
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in item)
    return False


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that counts depth while composing the node graph and, when the document uses aliases,
    measures what they would expand to on that graph, where an aliased node is still one shared object:
    a billion-laughs document is refused before anything is built or serialised."""

    def __init__(self, text):
        super().__init__(text)
        self.depth = 0
        self.aliased = False

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliased = True
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _too_deep()
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _children(node):
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _check_expansion(root, max_bytes):
    """Refuse a node graph whose expansion exceeds ``max_bytes`` (scalar characters plus one per node; about
    the size of the JSON it becomes) or ``MAX_DEPTH``, or that contains itself. Linear in distinct nodes."""
    measured = {}  # id(node) -> (expanded size, depth)
    open_nodes = set()  # the current path from the root: meeting one again is a cycle
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = [measured[id(child)] for child in _children(node)]
            size = 1 + sum(size for size, _depth in children)
            if isinstance(node, yaml.ScalarNode):
                size += len(node.value)
            depth = 1 + max((depth for _size, depth in children), default=0)
            if size > max_bytes:
                raise DocumentError(_(
                    "The YAML aliases of this document expand to more than the maximum size (%(kb)d KB)."
                ) % {"kb": max_bytes // 1024})
            if depth > MAX_DEPTH:
                raise _too_deep()
            measured[key] = (size, depth)
            open_nodes.discard(key)
        elif key in open_nodes:
            raise DocumentError(_("The document refers to itself through a YAML alias."))
        elif key not in measured:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _yaml_error_message(exc):
    """Where the document breaks, for a person: PyYAML's own text is English parser jargon with a trace of
    the document, so only its position is kept (PyYAML counts lines and columns from 0)."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return _("The document is neither valid JSON nor valid YAML.")
    return _(
        "The document is neither valid JSON nor valid YAML: check line %(line)d, near column %(column)d "
        "(indentation, a missing colon, or an unclosed quote or bracket)."
    ) % {"line": mark.line + 1, "column": mark.column + 1}


def load_yaml(text, *, max_bytes):
    """``yaml.safe_load`` bounded in depth and in alias expansion (``max_bytes``). Raises ``DocumentError``."""
    try:
        # The reader refuses control characters as soon as it is made: a refusal like any other.
        loader = _BoundedLoader(text)
    except yaml.YAMLError:
        raise DocumentError(_("The document is neither valid JSON nor valid YAML.")) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if loader.aliased:
            _check_expansion(node, max_bytes)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise DocumentError(_yaml_error_message(exc)) from None
    except (yaml.YAMLError, ValueError):  # ValueError: e.g. an integer longer than Python converts
        raise DocumentError(_("The document is neither valid JSON nor valid YAML.")) from None
    finally:
        loader.dispose()
