// Gives `window.meshpath` its type inside page.evaluate callbacks.
import '../src/ui/testApiTypes.ts';
