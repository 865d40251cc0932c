/**
 * The preload: one named object on window, relaying to main over two channels. It holds no logic so the
 * sandboxed renderer gets nothing but this.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL, IPC_EVENT, type BridgeResult, type PatchwellBridge } from '../../shared/contract/bridge';

const bridge: PatchwellBridge = {
  invoke: (name, arg) => ipcRenderer.invoke(IPC_CALL, name, arg) as Promise<BridgeResult>,
  onEvent: (listener) => {
    const wrapped = (_e: IpcRendererEvent, name: string, payload: unknown): void => listener(name, payload);
    ipcRenderer.on(IPC_EVENT, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('patchwell', bridge);
