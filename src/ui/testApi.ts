import { stepsCausedBy, useWorkspace } from '../state/store.ts';
import { graphHandle, pathGraphHandle } from './graph/graphHandle.ts';
import type { MeshpathTestApi } from './testApiTypes.ts';

export function installTestApi(): void {
  const api: MeshpathTestApi = {
    setText: (text, fileIndex) =>
      useWorkspace.getState().setFileText(fileIndex ?? useWorkspace.getState().activeFile, text),
    getText: (fileIndex) => useWorkspace.getState().files[fileIndex ?? useWorkspace.getState().activeFile]?.text ?? '',
    graphNodeIds: () => graphHandle.current?.nodes().map((n) => n.id()) ?? [],
    graphEdgeIds: () => graphHandle.current?.edges().map((e) => e.id()) ?? [],
    nodePosition: (id) => {
      const node = graphHandle.current?.$id(id);
      if (!node || node.empty()) return null;
      return node.renderedPosition();
    },
    hoveredSteps: () => stepsCausedBy(useWorkspace.getState().trace, useWorkspace.getState().hoveredLine),
    pathNodeIds: () => pathGraphHandle.current?.nodes().map((n) => n.id()) ?? [],
    pathZoom: () => pathGraphHandle.current?.zoom() ?? null,
    pathNodePosition: (id) => {
      const node = pathGraphHandle.current?.$id(id);
      if (!node || node.empty()) return null;
      return node.renderedPosition();
    },
  };
  window.meshpath = api;
}
