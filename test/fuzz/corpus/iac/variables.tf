variable "cidrs" {
  type    = list(string)
  default = ["0.0.0.0/0"]
}
locals {
  ports = { for p in [22, 3389] : tostring(p) => p }
  name  = "${var.prefix}-${lower("SG")}"
}
resource "aws_security_group" "open" {
  name = local.name
  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = var.cidrs
    }
  }
}
resource "aws_s3_bucket" "logs" {
  count  = length(var.cidrs)
  bucket = "logs-${count.index}"
}
