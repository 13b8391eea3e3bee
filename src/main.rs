fn main() {
    yew::Renderer::<producer_lab::App>::new().render();
}
