module github.com/edgerun/edgerun

go 1.24
