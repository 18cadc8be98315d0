module bartedit

go 1.24

require github.com/disintegration/imaging v1.6.2

require golang.org/x/image v0.30.0 // indirect
