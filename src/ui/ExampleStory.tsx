import { useMemo } from 'react';
import { openExample } from '../state/examples.ts';
import { useWorkspace } from '../state/store.ts';

/** The open example's story, kept at hand (collapsible), with its "try next" changes one click each. */
export function ExampleStory() {
  const files = useWorkspace((s) => s.files);
  const setRequest = useWorkspace((s) => s.setRequest);
  const setOptions = useWorkspace((s) => s.setOptions);
  const example = useMemo(() => openExample(files), [files]);
  if (!example) return null;
  const { request, options } = example.scenario;
  return (
    <details className="example-story" open>
      <summary>
        Example: <strong>{example.title}</strong>
      </summary>
      <p>{example.description}</p>
      {example.tryNext.length > 0 && (
        <div className="try-next" role="group" aria-label="Try next">
          <span>Try next:</span>
          {example.tryNext.map((action) => (
            <button
              key={action.label}
              type="button"
              className="chip"
              onClick={() => {
                if (action.request) setRequest(action.request);
                if (action.options) setOptions(action.options);
              }}
            >
              {action.label}
            </button>
          ))}
          <button
            type="button"
            className="chip"
            onClick={() => {
              if (request) setRequest(request);
              if (options) setOptions(options);
            }}
          >
            Back to the example’s request
          </button>
        </div>
      )}
    </details>
  );
}
