// Package app is the editor without its window: the document being edited
// (picture, mask, file, history), the jobs a run is made of, and the worker
// goroutine that owns the model and runs them. It imports model and
// canvas, never a GUI toolkit, so everything here is tested without a
// display; the ui package draws it and cmd/bartedit wires it up.
//
// The package is split by component, small to large:
//
//   - engine.go: Engine, the three model operations the worker drives
//     (encode, edit, decode), and ModelEngine, the real one; tests use a
//     fake.
//   - card.go: Card, what the UI shows and needs of the model (the model
//     card, class names, text feedback), and Settings, a run's prompt and
//     sampling settings, resolved into a model.EditRequest.
//   - pipeline.go: Inpaint, the windowed edit of DESIGN.md ("One edit,
//     end to end", steps 3-5), shared with `bartedit inpaint`.
//   - history.go, document.go: Document and its History. Every change is
//     an undo step holding only the rectangle it changed (strokes record
//     the mask under them tile by tile as they go), and the oldest steps
//     are dropped past a byte budget.
//   - worker.go, preview.go: Worker runs one Job at a time on its own
//     goroutine, publishing value snapshots (Run.Snapshot) and a
//     non-blocking notification per event; every reverse step is
//     composited into the crop for the film strip.
//   - recovery.go: periodic recovery files in the user cache folder and
//     what a crashed session left behind.
//
// Threading: a Document belongs to one goroutine (the UI's). The worker
// only ever sees a Job, a snapshot copied from the document by NewJob, so
// the person can go on painting while a run streams.
package app
