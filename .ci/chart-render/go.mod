module chart-render

go 1.19
