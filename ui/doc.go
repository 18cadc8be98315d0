// Package ui is the editor window, written with Gio: the canvas with the
// picture, the mask overlay and a run's live preview; the tool bar; the
// side panel with the model card, the prompt and the settings; the
// progress bar and film strip; the status bar; in-window prompts. It
// imports app and canvas (and Gio), never the model: New receives
// capabilities (app.Runner, FileDialogs, app.Recovery) in an Env, so tests
// drive the real widgets with a fake engine and fake dialogs through
// input.Router, without a display.
//
// The package is split by component:
//
//   - tiles.go: a large picture cached as tiles of paint.ImageOps, rebuilt
//     only where pixels changed; canvasview.go: CanvasView, the canvas
//     widget (zoom and pan through canvas.View, brush strokes through
//     app.Document, the brush cursor).
//   - editor.go: Editor, the window's state and layout; actions.go: what
//     every shortcut and button does; keys.go: the shortcut table.
//   - panel.go: the side panel; progress.go: the progress bar and film
//     strip; bars.go: the tool bar and status bar; prompt.go: in-window
//     questions; dialogs.go: the native file dialogs' interface and the
//     locked goroutine they run on.
//   - window.go: Run, the window loop.
//
// Threading (STYLE.md 7): the window loop owns the editor and its
// document. The worker publishes value snapshots and pokes a channel;
// Run turns that into Invalidate. Dialog answers come back as functions
// posted to the loop.
package ui
