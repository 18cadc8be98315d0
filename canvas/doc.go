// Package canvas is the pure image-space half of an edit: everything between
// the pixels a person opens and paints on and the square images the model
// reads and writes. It imports no GUI and no tensors, so both the app's
// worker and the UI use it.
//
// An edit goes through the package in this order (DESIGN.md, "One edit, end
// to end"):
//
//   - load.go: DecodeImage and LoadImage read a PNG or JPEG, checking its
//     size against Limits before any pixel memory is allocated, and keep the
//     decoder's colour model (16-bit, gray, paletted and alpha images stay
//     what they are).
//   - mask.go: Mask holds the painted mask, one byte per pixel (0 keep,
//     255 regenerate, values between are soft edges). MaskFromImage reads a
//     mask file; Components finds the masked regions.
//   - window.go: Windows picks the crop windows the model sees: one square
//     per group of nearby regions with a context margin, inside the image,
//     never overlapping.
//   - resample.go, pixels.go: a separable float resampler driven by the
//     kernels of github.com/disintegration/imaging, and fast row readers
//     for the standard image types (un-premultiplied, 16-bit).
//   - resize.go: ToModel turns a window into the (3, S, S) float input of
//     the model, FromModel turns the model's output back into window-sized
//     pixels, TokenMask says which tokens of the g x g grid to regenerate.
//   - feather.go, composite.go: Composite blends the patches into a copy
//     of the original through the mask, feathered by a Euclidean distance
//     ramp, computing only the windows' neighbourhood; CompositeInPlace
//     does the same without the copy, for very large images. Pixels
//     farther than the feather from every masked pixel keep their exact
//     bits.
//   - save.go: WritePNGAtomic writes the result without ever leaving a
//     half-written or clobbered file behind.
//
// For the editor:
//
//   - view.go: View, the zoom and pan transform between screen and image
//     pixels (zoom at the cursor, fit, 100%, zoom steps).
//   - brush.go: Brush and Stroke, the round mask brush with hardness and
//     an anti-aliased rim; a stroke places dabs evenly along its path, so
//     it looks the same at any zoom or pointer speed.
//   - region.go: exact copies of parts of a picture or mask and pasting
//     them back (undo history, snapshots for the worker), Invert, Crop,
//     and PaintOverlay, the mask drawn as a semi-transparent colour.
//
// Coordinates. A Mask has its origin at (0, 0) and is as large as the image.
// Rectangles passed between the functions (windows, bounding boxes) are in
// mask coordinates: mask pixel (x, y) is image pixel
// img.Bounds().Min.Add(image.Pt(x, y)). Decoded images have Min = (0, 0), so
// for them the two coincide.
package canvas
