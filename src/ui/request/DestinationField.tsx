import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { DestinationFilter, dialableNames, escapeInvisible, type DestinationSuggestion } from '../../core/index.ts';
import { useWorkspace } from '../../state/store.ts';
import { namespaceOf, requestTo } from './clickTrace.ts';

/** At most this many suggestions are drawn; typing narrows them. */
const SHOWN = 40;

/**
 * The Destination field: free text, with the hosts the mesh knows suggested as the user types (an ARIA combobox:
 * arrow keys move through the list, Enter picks, Escape closes it). A pick fills in the URL for that host and port.
 */
export function DestinationField() {
  const to = useWorkspace((s) => s.request.to);
  const from = useWorkspace((s) => s.request.from);
  const setRequest = useWorkspace((s) => s.setRequest);
  const ends = useWorkspace((s) => s.analysis.ends.destinations);
  const sourceRef = useWorkspace((s) => s.source?.pod?.ref);
  const sourceNamespace = namespaceOf(sourceRef ?? from);
  const filter = useMemo(
    () => new DestinationFilter(ends, dialableNames(ends, sourceNamespace)),
    [ends, sourceNamespace],
  );
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [query, setQuery] = useState('');
  const listId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const { suggestions, truncated } = useMemo(
    () => (open ? filter.suggest(query, SHOWN) : { suggestions: [], total: 0, truncated: false }),
    [filter, open, query],
  );
  const optionId = (index: number) => `${listId}-option-${index}`;

  const show = (text: string) => {
    setQuery(text);
    setActive(-1);
    setOpen(true);
  };
  const pick = (suggestion: DestinationSuggestion) => {
    const end = ends[suggestion.end];
    setOpen(false);
    setActive(-1);
    if (!end) return;
    const patch = requestTo(end, suggestion.port, from, sourceRef);
    // The name the user picked (short, name.ns or FQDN), not the one a click would choose.
    setRequest({ ...patch, to: suggestion.text });
  };
  const handleKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const count = suggestions.length;
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (!open) show(to);
        else if (count > 0) setActive((active + 1) % count);
        break;
      case 'ArrowUp':
        event.preventDefault();
        if (!open) show(to);
        else if (count > 0) setActive(active <= 0 ? count - 1 : active - 1);
        break;
      case 'Enter': {
        const chosen = open ? suggestions[active] : undefined;
        if (chosen) {
          event.preventDefault();
          pick(chosen);
        } else setOpen(false);
        break;
      }
      case 'Escape':
        if (open) {
          event.preventDefault();
          event.stopPropagation();
          setOpen(false);
          setActive(-1);
        }
        break;
      case 'Tab':
        setOpen(false);
        break;
    }
  };

  return (
    <div className="combo">
      <input
        ref={inputRef}
        role="combobox"
        aria-label="Destination"
        aria-autocomplete="list"
        aria-expanded={open && suggestions.length > 0}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        aria-describedby={`${listId}-help`}
        placeholder="reviews:9080/api, http://google.com, 10.96.0.10"
        spellCheck={false}
        autoComplete="off"
        value={to}
        onChange={(event) => {
          setRequest({ to: event.target.value }, 'typed');
          show(event.target.value);
        }}
        onKeyDown={handleKeyDown}
        onBlur={() => setOpen(false)}
      />
      <button
        type="button"
        className="combo-toggle"
        tabIndex={-1}
        aria-label="Show the hosts the mesh knows"
        title="Show the hosts the mesh knows"
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => {
          if (open) setOpen(false);
          else show('');
          inputRef.current?.focus();
        }}
      >
        ▾
      </button>
      <span id={`${listId}-help`} className="visually-hidden">
        Type or press the down arrow for the hosts the mesh knows.
      </span>
      <ul
        id={listId}
        role="listbox"
        aria-label="Hosts the mesh knows"
        className="combo-list"
        hidden={!open || suggestions.length === 0}
      >
        {suggestions.map((s, index) => (
          <li
            key={`${s.text}|${s.end}`}
            id={optionId(index)}
            role="option"
            aria-selected={index === active}
            className={index === active ? 'active' : undefined}
            onMouseDown={(event) => event.preventDefault()}
            onMouseEnter={() => setActive(index)}
            onClick={() => pick(s)}
          >
            {/* A name with a bidi control or zero-width character is shown written out (`\u202E`). */}
            <span className="combo-text">{escapeInvisible(s.text)}</span>
            <span className="combo-hint">{escapeInvisible(s.hint)}</span>
          </li>
        ))}
        {truncated && (
          <li role="presentation" className="combo-more">
            The first {suggestions.length} shown: type more of the name to narrow the list
          </li>
        )}
      </ul>
    </div>
  );
}
