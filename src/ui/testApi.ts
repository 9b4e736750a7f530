import { stepsCausedBy, useWorkspace } from '../state/store.ts';
import { editorHandle, setLargeTextSettings } from './editor/largeText.ts';
import { graphHandle, pathGraphHandle } from './graph/graphHandle.ts';
import type { MeshpathTestApi } from './testApiTypes.ts';

/** A label as drawn, without the zero-width spaces that let it wrap. */
const plain = (label: unknown): string => (typeof label === 'string' ? label.replaceAll('\u200b', '') : '');

export function installTestApi(): void {
  const api: MeshpathTestApi = {
    setText: (text, fileIndex) =>
      useWorkspace.getState().setFileText(fileIndex ?? useWorkspace.getState().activeFile, text),
    getText: (fileIndex) => useWorkspace.getState().files[fileIndex ?? useWorkspace.getState().activeFile]?.text ?? '',
    graphNodeIds: () => graphHandle.current?.nodes().map((n) => n.id()) ?? [],
    graphEdgeIds: () => graphHandle.current?.edges().map((e) => e.id()) ?? [],
    graphDrawing: () => graphHandle.drawing,
    nodePosition: (id) => {
      const node = graphHandle.current?.$id(id);
      if (!node || node.empty()) return null;
      return node.renderedPosition();
    },
    editorText: () => editorHandle.current?.text() ?? null,
    editorLoading: () => editorHandle.current?.loading() ?? false,
    setLargeTextSettings,
    hoveredSteps: () => stepsCausedBy(useWorkspace.getState().trace, useWorkspace.getState().hoveredLine),
    pathNodeIds: () => pathGraphHandle.current?.nodes().map((n) => n.id()) ?? [],
    pathNodes: () =>
      pathGraphHandle.current
        ?.nodes()
        .map((n) => ({ id: n.id(), label: plain(n.data('label')), classes: n.classes() })) ?? [],
    pathEdges: () =>
      pathGraphHandle.current?.edges().map((e) => ({
        id: e.id(),
        source: e.source().id(),
        target: e.target().id(),
        label: plain(e.data('label')),
        classes: e.classes(),
        midpoint: e.renderedMidpoint(),
      })) ?? [],
    pathZoom: () => pathGraphHandle.current?.zoom() ?? null,
    pathNodePosition: (id) => {
      const node = pathGraphHandle.current?.$id(id);
      if (!node || node.empty()) return null;
      return node.renderedPosition();
    },
  };
  window.meshpath = api;
}
