fn main() {
    let mut a = itoa::Buffer::new();
    let mut b = ryu::Buffer::new();
    println!("{} {}", a.format(42u64), b.format(1.5f64));
}
