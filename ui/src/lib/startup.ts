// When the interface's script started, in milliseconds since the page began loading
// (reported with the first paint, for the launch benchmark).
export const scriptStarted = performance.now()
